import { CHECKLIST_ITEMS } from '../domain/moderation/model';
import type { AppError } from '../domain/errors';
import { translator, type Lang } from './i18n';

/**
 * Russian for the errors observers and moderators meet most. AppError messages are English; a code
 * (and for invalid_input, the first field) picks the Russian text. Anything unlisted stays English.
 */
const RU_BY_CODE: Record<string, string> = {
  no_files: 'Добавьте хотя бы одно фото или видео.',
  empty_file: 'Файл пустой (0 байт). Выберите фото или видео ещё раз.',
  unsupported_type: 'Этот файл не фото и не видео в поддерживаемом формате (JPEG, PNG, WebP, HEIC, GIF, DNG, MP4, MOV, 3GP, WebM, MTS). Тип определяется по содержимому, а не по имени.',
  too_large: 'Файл слишком большой.',
  too_many_files: 'Слишком много файлов в одной отправке.',
  field_too_long: 'Одно из полей формы слишком длинное.',
  malformed_form: 'Отправка прервалась или повреждена. Попробуйте ещё раз.',
  unknown_election: 'Выберите выборы из списка.',
  unknown_category: 'Выберите вид нарушения из списка.',
  upload_rate_limited: 'Слишком много отправок от вас за последнюю минуту. Эта отправка не сохранена.',
  uploads_in_progress: 'От вас уже идут несколько отправок. Из этой ничего не сохранено: дождитесь их окончания.',
  uploads_busy: 'Сейчас архив принимает слишком много отправок. Ничего не сохранено.',
  upload_too_slow: 'Отправка остановилась или шла слишком медленно и была прервана. Ничего не сохранено; попробуйте снова при лучшей связи.',
  insufficient_storage: 'Хранилище архива почти заполнено, поэтому сейчас оно не принимает отправки. Ничего не сохранено: сохраните файлы у себя и попробуйте позже.',
  csrf: 'Форма устарела или открыта не с этого сайта. Обновите страницу и попробуйте снова.',
  rate_limited: 'Слишком много запросов с вашего адреса.',
  login_throttled: 'Слишком много неудачных попыток входа с вашего адреса.',
  wrong_credentials: 'Неверная почта или пароль.',
  unauthorized: 'Сначала войдите.',
  forbidden: 'Вашей учётной записи это недоступно.',
  not_found: 'Не найдено.',
  already_decided: 'По этой отправке уже принято решение.',
  original_reveals: 'Оригиналы раскрывают то, что скрыто в публикации (GPS, устройство, серийные номера). Отметьте подтверждение, где это перечислено, или не разрешайте скачивать оригинал. Ничего не изменено.',
  link_invalid: 'Ссылка больше не действует: её уже использовали или срок истёк. Попросите новую у администратора.',
  public_description_required: 'Напишите публичное описание или, перечитав, возьмите слова наблюдателя, убрав всё, что его выдаёт. Ничего не изменено.',
  original_unchangeable: 'Присланное наблюдателем изменить нельзя.',
  decision_required: 'То, что видит публика, меняется только записанным решением модератора.',
  no_log_key: 'Журнал ещё не опубликовал свой ключ: подписывающий процесс ещё не запущен. Попробуйте через минуту.',
  internal: 'Что-то пошло не так на нашей стороне. Отправленное не потеряно; попробуйте ещё раз.',
  retry: 'Сервер был занят; попробуйте ещё раз.',
  busy: 'Сервер сейчас перегружен.',
  archive_unavailable: 'Архив не может принять файлы в эту минуту. Ничего не получено: ваши файлы остались на вашем телефоне.',
  database_unavailable: 'База данных архива сейчас недоступна, поэтому ничего не сделано.',
  exports_busy: 'Сейчас выгружается слишком много данных одновременно.',
  similar_busy: 'Сейчас идёт слишком много поисков похожих изображений.',
};

const RU_BY_FIELD: Record<string, string> = {
  election_id: 'Выберите выборы.',
  region: 'Укажите регион или страну (до 200 символов).',
  station_number: 'Номер участка — от 1 до 6 цифр, например 8050.',
  category_code: 'Выберите вид нарушения.',
  description: 'Опишите, что произошло (до 10 000 символов).',
  happened_at: 'Время указано неверно: нужна настоящая дата и время.',
  email: 'Укажите правильный адрес эл. почты.',
  password: 'Пароль: не короче 12 символов.',
  reason: 'Укажите причину (до 2000 символов).',
  // the checklist names each item as the page labels it
  ...Object.fromEntries(CHECKLIST_ITEMS.map((k) => [`note_${k}`, `Отметьте «${translator('ru')(`check_${k}`)}» или объясните в поле под ним, почему нет.`])),
};

/** The Russian twin of englishWait (domain/errors.ts). */
function russianWait(seconds: number): string {
  if (seconds < 120) return `${seconds} с`;
  if (seconds < 2 * 3600) return `${Math.ceil(seconds / 60)} мин`;
  return `${Math.ceil(seconds / 3600)} ч`;
}

export function localizedErrorMessage(error: AppError, lang: Lang): string {
  if (lang !== 'ru') return error.message;
  if (error.code === 'invalid_input') {
    // every problem is named (a form may miss several items at once), in Russian where we have it
    const fields = (error.details?.fields as { field: string; message: string }[] | undefined) ?? [];
    const texts = fields.map((f) => RU_BY_FIELD[f.field] ?? (f.field ? `${f.field}: ${f.message}` : f.message));
    return texts.length ? [...new Set(texts)].join(' ') : error.message;
  }
  const ru = RU_BY_CODE[error.code];
  if (!ru) return error.message;
  // the wait is said once, from Retry-After, so these texts never name one themselves
  const wait = error.retryAfterSeconds;
  return wait !== undefined ? `${ru} Повторите через ${russianWait(wait)}.` : ru;
}
