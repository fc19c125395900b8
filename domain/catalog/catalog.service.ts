import * as catalogRepo from '../../db/catalog.repo';
import type { AppContext } from '../context';

export const activeElections = (ctx: AppContext) => catalogRepo.listElections(ctx.db, true);
export const activeCategories = (ctx: AppContext) => catalogRepo.listCategories(ctx.db, true);
