import type { Request } from 'express';

export type Lang = 'ru' | 'en';
export const LANGS: Lang[] = ['ru', 'en'];

/** Every string a person reads, in both languages. */
const MESSAGES = {
  app_name: { ru: 'Свидетель', en: 'Svidetel' },
  tagline: { ru: 'Архив фото и видео нарушений на выборах', en: 'Archive of photo and video evidence of election fraud' },
  nav_upload: { ru: 'Отправить', en: 'Upload' },
  nav_archive: { ru: 'Архив', en: 'Archive' },
  nav_moderation: { ru: 'Модерация', en: 'Moderation' },
  nav_login: { ru: 'Вход', en: 'Log in' },
  nav_logout: { ru: 'Выйти', en: 'Log out' },
  upload_title: { ru: 'Отправить фото или видео нарушения', en: 'Send a photo or video of a violation' },
  upload_intro: {
    ru: 'Аккаунт не нужен. Мы не сохраняем ваш IP-адрес и данные браузера. Метаданные файлов видят только модераторы; в опубликованных копиях они удаляются.',
    en: 'No account needed. We do not store your IP address or browser details. Only moderators see file metadata; it is removed from published copies.',
  },
  field_files: { ru: 'Фото и видео', en: 'Photos and videos' },
  field_files_hint: { ru: 'До {n} файлов: фото до {photo} МБ, видео до {video} МБ.', en: 'Up to {n} files: photos up to {photo} MB, videos up to {video} MB.' },
  field_election: { ru: 'Выборы', en: 'Election' },
  field_region: { ru: 'Регион или страна', en: 'Region or country' },
  field_station: { ru: 'Номер участка (УИК)', en: 'Polling station number (UIK)' },
  field_station_hint: { ru: 'Только цифры, например 8050', en: 'Digits only, e.g. 8050' },
  field_category: { ru: 'Что за нарушение', en: 'Kind of violation' },
  field_description: { ru: 'Что произошло', en: 'What happened' },
  field_happened_at: { ru: 'Когда это было (необязательно, местное время)', en: 'When it happened (optional, local time)' },
  field_reporter_role: { ru: 'Кто вы (необязательно)', en: 'Who is reporting (optional)' },
  field_complaint: { ru: 'Подана ли жалоба (необязательно)', en: 'Was a complaint filed (optional)' },
  choose: { ru: '— выберите —', en: '— choose —' },
  not_said: { ru: 'не указано', en: 'not said' },
  role_observer: { ru: 'наблюдатель', en: 'observer' },
  role_voter: { ru: 'избиратель', en: 'voter' },
  role_commission_member: { ru: 'член комиссии', en: 'commission member' },
  role_journalist: { ru: 'журналист', en: 'journalist' },
  role_candidate: { ru: 'кандидат', en: 'candidate' },
  complaint_none: { ru: 'нет', en: 'no' },
  complaint_filed: { ru: 'подана', en: 'filed' },
  complaint_answered: { ru: 'получен официальный ответ', en: 'official response received' },
  submit: { ru: 'Отправить', en: 'Send' },
  uploading: { ru: 'Загрузка…', en: 'Uploading…' },
  upload_failed: { ru: 'Не удалось отправить. Проверьте соединение и попробуйте снова.', en: 'Sending failed. Check your connection and try again.' },
  receipt_title: { ru: 'Получено. Спасибо!', en: 'Received. Thank you!' },
  receipt_intro: {
    ru: 'Сохраните эту квитанцию: SHA-256 доказывает, какие именно файлы вы отправили. Она ничего не говорит о вас.',
    en: 'Keep this receipt: the SHA-256 proves exactly which files you sent. It says nothing about you.',
  },
  receipt_id: { ru: 'Номер отправки', en: 'Submission id' },
  receipt_download: { ru: 'Скачать квитанцию (JSON)', en: 'Download receipt (JSON)' },
  received_at: { ru: 'Получено', en: 'Received' },
  file_name: { ru: 'Файл', en: 'File' },
  file_size: { ru: 'Размер', en: 'Size' },
  send_more: { ru: 'Отправить ещё', en: 'Send more' },
  archive_title: { ru: 'Опубликованные материалы', en: 'Published evidence' },
  archive_empty: { ru: 'Пока ничего не опубликовано.', en: 'Nothing has been published yet.' },
  next_page: { ru: 'Дальше →', en: 'Next →' },
  first_page: { ru: '← В начало', en: '← First page' },
  files_count: { ru: 'файлов: {n}', en: 'files: {n}' },
  station: { ru: 'УИК', en: 'Station' },
  region: { ru: 'Регион', en: 'Region' },
  election: { ru: 'Выборы', en: 'Election' },
  category: { ru: 'Нарушение', en: 'Violation' },
  happened_at: { ru: 'Когда (со слов автора)', en: 'When (as reported)' },
  published_at: { ru: 'Опубликовано', en: 'Published' },
  description: { ru: 'Описание', en: 'Description' },
  captured_at: { ru: 'Время съёмки', en: 'Capture time' },
  unknown: { ru: 'неизвестно', en: 'unknown' },
  download_copy: { ru: 'Скачать опубликованную копию', en: 'Download published copy' },
  permalink: { ru: 'Постоянная ссылка', en: 'Permalink' },
  login_title: { ru: 'Вход для модераторов', en: 'Moderator log in' },
  email: { ru: 'Эл. почта', en: 'Email' },
  password: { ru: 'Пароль', en: 'Password' },
  password_hint: { ru: 'Не короче 12 символов', en: 'At least 12 characters' },
  setup_title: { ru: 'Первый администратор', en: 'First admin' },
  set_password_title: { ru: 'Задать пароль', en: 'Set your password' },
  save: { ru: 'Сохранить', en: 'Save' },
  setup_done: { ru: 'Готово. Теперь войдите.', en: 'Done. Now log in.' },
  queue_title: { ru: 'Очередь на проверку', en: 'Review queue' },
  queue_counts: { ru: 'Ждут: {pending} · Опубликовано: {published} · Отклонено: {rejected}', en: 'Pending: {pending} · Published: {published} · Rejected: {rejected}' },
  queue_empty: { ru: 'Очередь пуста.', en: 'The queue is empty.' },
  processing: { ru: 'обрабатывается', en: 'processing' },
  review_title: { ru: 'Проверка отправки', en: 'Review submission' },
  observer_claim: { ru: 'Что сообщил автор', en: 'What the observer reported' },
  files_say: { ru: 'Что говорят файлы', en: 'What the files say' },
  status: { ru: 'Статус', en: 'Status' },
  status_received: { ru: 'получен', en: 'received' },
  status_processing: { ru: 'обрабатывается', en: 'processing' },
  status_ready: { ru: 'готов', en: 'ready' },
  status_failed: { ru: 'ошибка обработки', en: 'processing failed' },
  status_pending: { ru: 'ждёт проверки', en: 'pending' },
  status_published: { ru: 'опубликовано', en: 'published' },
  status_rejected: { ru: 'отклонено', en: 'rejected' },
  gps: { ru: 'GPS', en: 'GPS' },
  device: { ru: 'Устройство', en: 'Device' },
  dimensions: { ru: 'Размеры', en: 'Dimensions' },
  flags: { ru: 'Предупреждения', en: 'Warnings' },
  open_original: { ru: 'Оригинал', en: 'Original' },
  verify_publish: { ru: 'Подтвердить и опубликовать', en: 'Verify & publish' },
  reject: { ru: 'Отклонить', en: 'Reject' },
  reject_reason: { ru: 'Причина отклонения', en: 'Reason for rejection' },
  decisions: { ru: 'Решения', en: 'Decisions' },
  action_verify_publish: { ru: 'подтверждено и опубликовано', en: 'verified and published' },
  action_reject: { ru: 'отклонено', en: 'rejected' },
  back_to_queue: { ru: '← К очереди', en: '← Back to queue' },
  error_title: { ru: 'Ошибка', en: 'Error' },
  not_found_title: { ru: 'Не найдено', en: 'Not found' },
  go_home: { ru: 'На главную', en: 'Home' },
  flag_no_metadata: { ru: 'нет метаданных (типично для мессенджеров и скриншотов)', en: 'no metadata (typical of messengers and screenshots)' },
  flag_edited: { ru: 'файл обработан редактором', en: 'edited in software' },
  flag_exact_duplicate: { ru: 'такой же файл уже есть в архиве', en: 'the same file is already in the archive' },
  admin_catalog_title: { ru: 'Выборы и категории', en: 'Elections and categories' },
  admin_elections: { ru: 'Выборы', en: 'Elections' },
  admin_slug: { ru: 'Короткое имя', en: 'Short name' },
  admin_voting_days: { ru: 'Дни голосования', en: 'Voting days' },
  admin_active: { ru: 'Доступно в форме', en: 'Offered in the form' },
  admin_activate: { ru: 'Включить', en: 'Activate' },
  admin_deactivate: { ru: 'Выключить', en: 'Deactivate' },
  admin_add_election: { ru: 'Добавить выборы', en: 'Add an election' },
  admin_name_ru: { ru: 'Название по-русски', en: 'Name in Russian' },
  admin_name_en: { ru: 'Название по-английски', en: 'Name in English' },
  admin_country: { ru: 'Страна (код из двух букв)', en: 'Country (two-letter code)' },
  admin_starts: { ru: 'Первый день голосования', en: 'First voting day' },
  admin_ends: { ru: 'Последний день голосования', en: 'Last voting day' },
  admin_categories: { ru: 'Категории нарушений', en: 'Violation categories' },
  admin_codes_permanent: { ru: 'Коды постоянны: их нельзя изменить или удалить, только выключить.', en: 'Codes are permanent: they cannot be changed or deleted, only deactivated.' },
  admin_label_ru: { ru: 'Название по-русски', en: 'Russian label' },
  admin_label_en: { ru: 'Название по-английски', en: 'English label' },
  admin_add_category: { ru: 'Добавить категорию', en: 'Add a category' },
  admin_code: { ru: 'Код (навсегда)', en: 'Code (permanent)' },
  admin_phase: { ru: 'Этап', en: 'Phase' },
  nav_admin: { ru: 'Администрирование', en: 'Admin' },
  // The moderation workspace: admin pages, audit log, decisions, queue, notes.
  accounts_title: { ru: 'Учётные записи', en: 'Accounts' },
  stations_title: { ru: 'Избирательные участки', en: 'Polling stations' },
  settings_title: { ru: 'Настройки', en: 'Settings' },
  audit_title: { ru: 'Журнал действий', en: 'Audit log' },
  audit_intro: {
    ru: 'Каждое действие записывается с автором, временем и состоянием до и после. Записи нельзя изменить или удалить; каждая содержит хеш предыдущей.',
    en: 'Every action is recorded with its author, time and the state before and after. Rows cannot be changed or deleted; each carries the hash of the previous one.',
  },
  audit_chain_ok: { ru: 'Цепочка цела: {n} записей, последний хеш {hash}.', en: 'The chain is intact: {n} rows, head hash {hash}.' },
  audit_chain_broken: { ru: 'Цепочка нарушена на записи {seq}: {problem}', en: 'The chain is broken at row {seq}: {problem}' },
  audit_verify: { ru: 'Проверить цепочку хешей', en: 'Verify the hash chain' },
  audit_filtered: { ru: 'Только записи о {entity}', en: 'Only rows about {entity}' },
  audit_all: { ru: 'все записи', en: 'all rows' },
  audit_time: { ru: 'Время', en: 'Time' },
  audit_actor: { ru: 'Кто', en: 'Who' },
  audit_action: { ru: 'Действие', en: 'Action' },
  audit_entity: { ru: 'Объект', en: 'Record' },
  audit_before: { ru: 'До', en: 'Before' },
  audit_after: { ru: 'После', en: 'After' },
  audit_hash: { ru: 'Хеш', en: 'Hash' },
} as const satisfies Record<string, Record<Lang, string>>;

export type MessageKey = keyof typeof MESSAGES;
export type T = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(lang: Lang): T {
  return (key, params) => {
    let text: string = MESSAGES[key][lang];
    if (params) for (const [k, v] of Object.entries(params)) text = text.replace(`{${k}}`, String(v));
    return text;
  };
}

export function hasMessage(key: string): key is MessageKey {
  return key in MESSAGES;
}

/** ?lang= wins (and is remembered by the caller), then the cookie, then Accept-Language. */
export function pickLang(req: Request): Lang {
  const q = req.query.lang;
  if (q === 'ru' || q === 'en') return q;
  const c = req.cookies?.lang;
  if (c === 'ru' || c === 'en') return c;
  return req.acceptsLanguages('ru', 'en') === 'en' ? 'en' : 'ru';
}
