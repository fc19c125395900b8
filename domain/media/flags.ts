/**
 * The flag registry: every warning a file can carry, once. The queue's filter, the labels in both
 * languages, what the public sees and the flags back-fill all read it, so a new flag is one entry here
 * (plus the code that computes it in its step).
 */

/** Which processing step computes a flag (and so what the back-fill has to re-run for it). */
export type FlagStep =
  /** read from the file's own metadata (domain/media/metadata.ts) */
  | 'metadata'
  /** the file's capture time and place against what the observer stated (domain/processing/claim-mismatch.ts) */
  | 'claim'
  /** other files with the same bytes, a near-identical picture or the same Apple identifier (domain/processing/media-relations.service.ts) */
  | 'relations';

export type FlagDefinition = {
  label: { ru: string; en: string };
  step: FlagStep;
  /**
   * What a published entry shows: the stored flag ('stored'), or the relation recomputed among
   * published files only ('among_published'): a stored relation counts unpublished uploads too, and
   * shown publicly it would tell when an unpublished copy arrived.
   */
  public: 'stored' | 'among_published';
  /** Offered as a filter of the review queue. */
  queueFilter: boolean;
};

export const FLAGS = {
  no_metadata: {
    label: { ru: 'нет метаданных (типично для мессенджеров и скриншотов)', en: 'no metadata (typical of messengers and screenshots)' },
    step: 'metadata',
    public: 'stored',
    queueFilter: true,
  },
  edited: {
    label: { ru: 'файл обработан редактором', en: 'edited in software' },
    step: 'metadata',
    public: 'stored',
    queueFilter: true,
  },
  gps_invalid: {
    label: { ru: 'координаты GPS не настоящие (0,0 или вне допустимых значений)', en: 'GPS coordinates that are not a real fix (0,0 or out of range)' },
    step: 'metadata',
    public: 'stored',
    queueFilter: true,
  },
  time_mismatch: {
    label: {
      ru: 'время съёмки далеко от времени, указанного наблюдателем, или вне дней голосования',
      en: "capture time far from the observer's stated time, or outside the voting days",
    },
    step: 'claim',
    public: 'stored',
    queueFilter: true,
  },
  place_mismatch: {
    label: { ru: 'снято далеко от указанного участка (по GPS)', en: 'taken far from the stated polling station (by GPS)' },
    step: 'claim',
    public: 'stored',
    queueFilter: true,
  },
  region_mismatch: {
    label: {
      ru: 'снято вне указанного региона (по GPS и границам регионов; участка нет в справочнике)',
      en: 'taken outside the stated region (by GPS and region boundaries; the station is not in the register)',
    },
    step: 'claim',
    public: 'stored',
    queueFilter: true,
  },
  exact_duplicate: {
    label: { ru: 'такой же файл уже есть в архиве', en: 'the same file is already in the archive' },
    step: 'relations',
    public: 'among_published',
    queueFilter: true,
  },
  near_duplicate: {
    label: {
      ru: 'почти такое же изображение уже есть в архиве (тот же кадр, уменьшенный, пересжатый или слегка обрезанный)',
      en: 'a nearly identical picture is already in the archive (the same shot resized, recompressed or lightly cropped)',
    },
    step: 'relations',
    public: 'among_published',
    queueFilter: true,
  },
  live_photo_pair: {
    label: { ru: 'часть Live Photo: снимок и видео с одним идентификатором Apple', en: 'part of a Live Photo: a still and a video sharing one Apple identifier' },
    step: 'relations',
    public: 'among_published',
    queueFilter: true,
  },
} as const satisfies Record<string, FlagDefinition>;

export type Flag = keyof typeof FLAGS;
export const FLAG_CODES = Object.keys(FLAGS) as [Flag, ...Flag[]];

const codesWhere = <F extends Flag>(test: (code: Flag) => code is F) => FLAG_CODES.filter(test) as [F, ...F[]];

type QueueFlag = { [F in Flag]: (typeof FLAGS)[F]['queueFilter'] extends true ? F : never }[Flag];
/** The flags the review queue filters by. */
export const QUEUE_FLAGS = codesWhere((f): f is QueueFlag => FLAGS[f].queueFilter);

export type Relation = { [F in Flag]: (typeof FLAGS)[F]['step'] extends 'relations' ? F : never }[Flag];
/** The flags that link a file to other files. */
export const RELATIONS = codesWhere((f): f is Relation => FLAGS[f].step === 'relations');

export const isFlag = (code: string): code is Flag => Object.hasOwn(FLAGS, code);
