import * as catalogRepo from '../../db/catalog.repo';
import { withTransaction } from '../../db/pool';
import { appendAudit } from '../audit/audit.service';
import type { Actor } from '../audit/model';
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

export async function createElection(ctx: AppContext, e: NewElection, actor: Actor) {
  if (e.votingEndsOn < e.votingStartsOn) throw badRequest('invalid_input', 'Voting cannot end before it starts.');
  try {
    return await withTransaction(ctx.db, async (tx) => {
      const election = await catalogRepo.insertElection(tx, e);
      await appendAudit(tx, actor, { action: 'catalog.election_create', entityType: 'election', entityId: String(election.id), after: election });
      return election;
    });
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw conflict('slug_taken', `An election with the short name "${e.slug}" exists already.`);
    throw err;
  }
}

export async function setElectionActive(ctx: AppContext, id: number, active: boolean, actor: Actor) {
  await withTransaction(ctx.db, async (tx) => {
    const before = await catalogRepo.findElection(tx, id);
    if (!before || !(await catalogRepo.setElectionActive(tx, id, active))) throw notFound('The election');
    await appendAudit(tx, actor, { action: 'catalog.election_active', entityType: 'election', entityId: String(id), before: { active: before.active }, after: { active } });
  });
}

export async function editCategory(ctx: AppContext, code: string, c: { labelRu: string; labelEn: string; active: boolean }, actor: Actor) {
  await withTransaction(ctx.db, async (tx) => {
    const before = await catalogRepo.findCategory(tx, code);
    if (!before || !(await catalogRepo.updateCategory(tx, code, c))) throw notFound('The category');
    await appendAudit(tx, actor, {
      action: 'catalog.category_edit',
      entityType: 'category',
      entityId: code,
      before: { label_ru: before.label_ru, label_en: before.label_en, active: before.active },
      after: { label_ru: c.labelRu, label_en: c.labelEn, active: c.active },
    });
  });
}

export async function addCategory(ctx: AppContext, c: { code: string; phaseCode: string; labelRu: string; labelEn: string }, actor: Actor) {
  try {
    await withTransaction(ctx.db, async (tx) => {
      await catalogRepo.insertCategory(tx, c);
      await appendAudit(tx, actor, { action: 'catalog.category_create', entityType: 'category', entityId: c.code, after: c });
    });
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw conflict('code_taken', `The code "${c.code}" is taken; codes are permanent.`);
    throw err;
  }
}
