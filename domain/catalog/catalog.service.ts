import { appendAudit } from '../audit/audit.service';
import type { Actor } from '../audit/model';
import type { AppContext } from '../context';
import { badRequest, conflict, isStoreFailure, notFound } from '../errors';
import type { Category, CategoryEdit, CategoryPhase, Election, NewCategory, NewElection } from './model';

export const activeElections = (ctx: AppContext): Promise<Election[]> => ctx.repos.catalog.listElections(true);
export const activeCategories = (ctx: AppContext): Promise<Category[]> => ctx.repos.catalog.listCategories(true);

/** Everything an admin manages, inactive rows included. */
export async function catalogForAdmin(ctx: AppContext): Promise<{ elections: Election[]; categories: Category[]; phases: CategoryPhase[] }> {
  const [elections, categories, phases] = await Promise.all([
    ctx.repos.catalog.listElections(false),
    ctx.repos.catalog.listCategories(false),
    ctx.repos.catalog.listPhases(),
  ]);
  return { elections, categories, phases };
}

export async function createElection(ctx: AppContext, e: NewElection, actor: Actor): Promise<Election> {
  if (e.votingEndsOn < e.votingStartsOn) throw badRequest('voting_ends_before_start');
  try {
    return await ctx.transaction(async (tx) => {
      const election = await tx.catalog.insertElection(e);
      await appendAudit(tx, actor, { action: 'catalog.election_create', entityType: 'election', entityId: String(election.id), after: election });
      return election;
    });
  } catch (err) {
    if (isStoreFailure(err, 'unique')) throw conflict('slug_taken', { slug: e.slug });
    throw err;
  }
}

export async function setElectionActive(ctx: AppContext, id: number, active: boolean, actor: Actor): Promise<void> {
  await ctx.transaction(async (tx) => {
    const before = await tx.catalog.findElection(id);
    if (!before || !(await tx.catalog.setElectionActive(id, active))) throw notFound('election');
    await appendAudit(tx, actor, { action: 'catalog.election_active', entityType: 'election', entityId: String(id), before: { active: before.active }, after: { active } });
  });
}

export async function editCategory(ctx: AppContext, code: string, c: CategoryEdit, actor: Actor): Promise<void> {
  await ctx.transaction(async (tx) => {
    const before = await tx.catalog.findCategory(code);
    if (!before || !(await tx.catalog.updateCategory(code, c))) throw notFound('category');
    await appendAudit(tx, actor, {
      action: 'catalog.category_edit',
      entityType: 'category',
      entityId: code,
      before: { label_ru: before.label_ru, label_en: before.label_en, active: before.active },
      after: { label_ru: c.labelRu, label_en: c.labelEn, active: c.active },
    });
  });
}

export async function addCategory(ctx: AppContext, c: NewCategory, actor: Actor): Promise<void> {
  try {
    await ctx.transaction(async (tx) => {
      await tx.catalog.insertCategory(c);
      await appendAudit(tx, actor, { action: 'catalog.category_create', entityType: 'category', entityId: c.code, after: c });
    });
  } catch (err) {
    if (isStoreFailure(err, 'unique')) throw conflict('code_taken', { code: c.code });
    throw err;
  }
}
