import * as catalogRepo from '../../db/catalog.repo';
import type { AppContext } from '../context';
import { badRequest, conflict, notFound } from '../errors';

export const activeElections = (ctx: AppContext) => catalogRepo.listElections(ctx.db, true);
export const activeCategories = (ctx: AppContext) => catalogRepo.listCategories(ctx.db, true);

/** Everything an admin manages, inactive rows included. */
export async function catalogForAdmin(ctx: AppContext) {
  const [elections, categories, phases] = await Promise.all([
    catalogRepo.listElections(ctx.db, false),
    catalogRepo.listCategories(ctx.db, false),
    catalogRepo.listPhases(ctx.db),
  ]);
  return { elections, categories, phases };
}

export type NewElection = { slug: string; nameRu: string; nameEn: string; country: string; votingStartsOn: string; votingEndsOn: string };

export async function createElection(ctx: AppContext, e: NewElection) {
  if (e.votingEndsOn < e.votingStartsOn) throw badRequest('invalid_input', 'Voting cannot end before it starts.');
  try {
    return await catalogRepo.insertElection(ctx.db, e);
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw conflict('slug_taken', `An election with the short name "${e.slug}" exists already.`);
    throw err;
  }
}

export async function setElectionActive(ctx: AppContext, id: number, active: boolean) {
  if (!(await catalogRepo.setElectionActive(ctx.db, id, active))) throw notFound('The election');
}

export async function editCategory(ctx: AppContext, code: string, c: { labelRu: string; labelEn: string; active: boolean }) {
  if (!(await catalogRepo.updateCategory(ctx.db, code, c))) throw notFound('The category');
}

export async function addCategory(ctx: AppContext, c: { code: string; phaseCode: string; labelRu: string; labelEn: string }) {
  try {
    await catalogRepo.insertCategory(ctx.db, c);
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw conflict('code_taken', `The code "${c.code}" is taken; codes are permanent.`);
    throw err;
  }
}
