import type { AppContext } from '../../domain/context';
import { activeElections } from '../../domain/catalog/catalog.service';
import { protocolLines } from '../../domain/counts/counts.service';
import { COUNT_CATEGORY, PROTOCOL_CATEGORY } from '../../domain/counts/model';
import { html } from '../../web/html';
import type { PageContext } from '../../web/layout';
import { countFieldset, protocolElectionChooser, protocolFieldset } from '../../web/pages/counts';

export { observerFiguresFromForm } from './counts.schema';

/**
 * The upload form as a count or a protocol copy (same page, same receipt): its title, its fixed
 * category and the figures' fields, for a form whose category is one of those two; else nothing.
 * A protocol's lines are the chosen election's (the only active one, or ?election=).
 */
export async function figuresFormFor(ctx: AppContext, page: PageContext, values: Record<string, string | undefined>) {
  const { t } = page;
  if (values.category_code === COUNT_CATEGORY) {
    return { title: t('count_title'), intro: t('count_intro'), category: COUNT_CATEGORY, fieldset: countFieldset(page, values) };
  }
  if (values.category_code !== PROTOCOL_CATEGORY) return undefined;
  const elections = await activeElections(ctx);
  const electionId = Number(values.election_id) || (elections.length === 1 ? elections[0]!.id : null);
  const fieldset = electionId && elections.some((e) => e.id === electionId)
    ? protocolFieldset(page, await protocolLines(ctx, electionId), values)
    : html`<fieldset class="figures">${protocolElectionChooser(page, elections)}</fieldset>`;
  return { title: t('protocol_title'), intro: t('protocol_intro'), category: PROTOCOL_CATEGORY, fieldset };
}
