import type { MediaFile } from '../../domain/media/model';
import type { T } from '../i18n';

/** "2024-03-17 12:00:05 +03:00 (ExifIFD:DateTimeOriginal)": the wall-clock time, its offset and its source. */
export function captureTime(f: Pick<MediaFile, 'taken_at_local' | 'taken_at_offset' | 'taken_at_source'>, t: T): string {
  if (!f.taken_at_local) return t('unknown');
  const offset = f.taken_at_offset ?? `(${t('unknown')} UTC offset)`;
  return `${f.taken_at_local.replace('T', ' ')} ${offset}${f.taken_at_source ? ` · ${f.taken_at_source}` : ''}`;
}
