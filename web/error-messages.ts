import type { AppError, ErrorParams, MissingThing } from '../domain/errors';
import { CHECKLIST_ITEMS } from '../domain/moderation/model';
import type { OriginalReveal } from '../domain/media/original-reveals';
import { hasMessage, translator, type Lang } from './i18n';

type Words = Record<Lang, string>;

/**
 * The words of every error code, in both languages: the one place they are written. `{name}` is a
 * parameter the raiser gives (a list is said with commas); `[…]` is said only when every parameter
 * inside it was given. A wait (Retry-After) is never written here: errorText adds it.
 */
const ERROR_WORDS: Record<string, Words> = {
  // the observer's upload
  no_files: { ru: 'Добавьте хотя бы одно фото или видео.', en: 'Add at least one photo or video.' },
  empty_file: { ru: 'Файл пустой (0 байт). Выберите фото или видео ещё раз.', en: 'The file is empty (0 bytes). Please choose the photo or video again.' },
  unsupported_type: {
    ru: 'Этот файл не фото и не видео в поддерживаемом формате (JPEG, PNG, WebP, HEIC, GIF, DNG, MP4, MOV, 3GP, WebM, MTS). Тип определяется по содержимому, а не по имени.',
    en: 'This file is not a photo or video we accept (JPEG, PNG, WebP, HEIC, GIF, DNG, MP4, MOV, 3GP, WebM, MTS). The type is checked from the file content, not its name.',
  },
  too_large: {
    ru: 'Файл слишком большой: можно не больше[ {limit_mib} МБ][ {limit_megapixels} мегапикселей].',
    en: 'The file is too large: it may be at most[ {limit_mib} MiB][ {limit_megapixels} megapixels].',
  },
  too_many_files: { ru: 'Не больше {limit} файлов в одной отправке.', en: 'At most {limit} files can be sent at once.' },
  field_too_long: { ru: 'Одно из полей формы слишком длинное.', en: 'A form field is too long.' },
  too_many_fields: { ru: 'В форме слишком много полей.', en: 'The form has too many fields.' },
  malformed_form: {
    ru: 'Отправка прервалась или форма повреждена[: пришлите её как multipart/form-data с полем «{field}»]. Попробуйте ещё раз.',
    en: 'The form was cut off or is malformed[: send it as multipart/form-data with the field “{field}”]. Please try again.',
  },
  unexpected_file: { ru: 'Файлы нужно присылать в поле «{field}».', en: 'Files must be sent in the field “{field}”.' },
  too_many_parts: { ru: 'Пришлите одно изображение в поле «{field}» и ничего больше.', en: 'Send one image in the field “{field}”, nothing else.' },
  no_image: { ru: 'Пришлите одно изображение в поле «{field}».', en: 'Send one image in the multipart/form-data field “{field}”.' },
  malformed_body: { ru: 'Запрос повреждён.', en: 'The request body is malformed.' },
  body_too_large: { ru: 'Запрос слишком большой.', en: 'The request is too large.' },
  unknown_election: { ru: 'Выберите выборы из списка.', en: 'Choose an election from the list.' },
  unknown_category: { ru: 'Выберите вид нарушения из списка.', en: 'Choose a category from the list.' },
  upload_rate_limited: {
    ru: 'Слишком много отправок от вас за последнюю минуту. Эта отправка не сохранена.',
    en: 'You have sent many uploads in the last minute. Nothing of this one was stored.',
  },
  uploads_in_progress: {
    ru: 'От вас ещё идут отправки ({n}). Из этой ничего не сохранено: дождитесь их окончания и отправьте её снова.',
    en: 'Uploads from you are still in progress ({n}). Wait for them to finish, then send this one again; nothing of it was stored.',
  },
  uploads_busy: { ru: 'Сейчас архив принимает слишком много отправок. Ничего не сохранено.', en: 'The archive is receiving too many uploads right now. Nothing was stored.' },
  upload_too_slow: {
    ru: 'Отправка остановилась или шла слишком медленно и была прервана. Ничего не сохранено; попробуйте снова при лучшей связи.',
    en: 'The upload stalled or was too slow and was stopped. Nothing was stored; please try again on a better connection.',
  },
  uploads_incomplete: { ru: 'Некоторые файлы ещё не дошли целиком. Отправьте их ещё раз; ничего не сохранено.', en: 'Some files have not arrived completely yet. Send them again; nothing was stored.' },
  malformed_upload: { ru: 'Это не идентификатор загрузки.', en: 'This is not an upload id.' },
  // the resumable upload protocol's refusals: a tus client acts on the status, a person may read them in its log
  tus_version: { ru: 'Отправьте заголовок Tus-Resumable: {version}; другие версии tus этот сервер не понимает.', en: 'Send Tus-Resumable: {version}; this server speaks no other version of tus.' },
  upload_offset_conflict: {
    ru: 'У сервера {stored} байт этой загрузки, а не {claimed}: продолжите с этого места (его сообщает запрос HEAD).',
    en: 'The server has {stored} bytes of this upload, not {claimed}: send from there (HEAD tells the offset).',
  },
  upload_content_type: { ru: 'Байты загрузки отправляются с типом {type}.', en: 'The bytes of an upload are sent as {type}.' },
  upload_locked: {
    ru: 'Этот файл ещё отправляется другим запросом. Спросите, сколько получено, через несколько секунд.',
    en: 'Another request is still sending this file. Ask for its offset again in a few seconds.',
  },
  upload_beyond_length: {
    ru: 'В этом запросе больше байтов, чем было объявлено для загрузки (Upload-Length).',
    en: 'This request carries more bytes than the upload declared (Upload-Length).',
  },
  upload_length_missing: { ru: 'Укажите длину файла (Upload-Length).', en: 'Say how long the file is (Upload-Length).' },
  insufficient_storage: {
    ru: 'Хранилище архива почти заполнено, поэтому сейчас оно не принимает отправки. Ничего не сохранено: сохраните файлы у себя и попробуйте позже.',
    en: 'The archive’s storage is almost full, so it cannot receive uploads right now. Nothing was stored: keep your files and try again later.',
  },
  archive_unavailable: {
    ru: 'Архив не может принять файлы в эту минуту. Ничего не получено: ваши файлы остались на вашем телефоне.',
    en: 'The archive cannot accept files this minute. Nothing was received; your files are still on your phone.',
  },
  archive_outcome_unknown: {
    ru: 'Связь с архивом оборвалась как раз во время сохранения ваших файлов, поэтому мы не можем сказать, получены ли они. Не удаляйте их с телефона и отправьте ещё раз: если они получены, вы увидите ту же квитанцию, и ничего не сохранится дважды.',
    en: 'The connection to the archive broke just as your files were being saved, so we cannot tell whether they were received. Keep them on your phone and send them again: if they were received, you get the same receipt and nothing is stored twice.',
  },
  archive_outcome_unknown_no_key: {
    ru: 'Связь с архивом оборвалась как раз во время сохранения ваших файлов, поэтому мы не можем сказать, получены ли они. Не удаляйте их с телефона и отправьте ещё раз.',
    en: 'The connection to the archive broke just as your files were being saved, so we cannot tell whether they were received. Keep them on your phone and send them again.',
  },
  answer_empty: { ru: 'Напишите ответ или добавьте фото или видео.', en: 'Write your answer or add a photo or video.' },
  question_closed: {
    ru: 'Этот вопрос уже закрыт: на него ответили или модераторы уже приняли решение. Ничего не изменено.',
    en: 'This question is no longer open: it was answered already or the moderators have decided. Nothing was changed.',
  },
  // counts and protocol copies
  count_needs_category: { ru: 'Подсчёт отправляется с категорией «Подсчёт явки наблюдателями».', en: 'A count is sent with the category “observers’ attendance count”.' },
  figures_need_category: { ru: 'Цифры протокола отправляются с категорией «Копия итогового протокола».', en: 'Protocol figures are sent with the category “copy of the final protocol”.' },
  count_missing: { ru: 'Укажите подсчёт: сколько человек, с какого по какое время и как считали.', en: 'Give the count: how many people, between which times, and how they were counted.' },
  bad_protocol_lines: {
    ru: 'Строки протокола не сохранены: проверьте строки {rows} (номер 1–99; код латиницей, не uik и не region; роль: {roles}; название по-русски; по-английски — без повторов).',
    en: 'The protocol lines were not saved: check rows {rows} (number 1–99; a lower-case latin code, not uik or region; role: {roles}; label in Russian; in English — none given twice).',
  },
  no_protocol_lines_given: { ru: 'Строки протокола не сохранены: укажите хотя бы одну строку.', en: 'The protocol lines were not saved: give at least one line.' },
  no_protocol_lines: { ru: 'Сначала настройте строки протокола этих выборов: столбцы файла — их коды.', en: 'Configure this election’s protocol lines first: the file’s columns are their codes.' },
  unknown_protocol_line: { ru: 'В протоколе этих выборов нет строк {lines}.', en: 'This election’s protocol has no line {lines}.' },
  nothing_to_check: { ru: 'Сначала перепишите цифры протокола.', en: 'Transcribe the protocol’s figures first.' },
  // CSV imports
  no_file: { ru: 'Выберите CSV-файл для импорта.', en: 'Choose the CSV file to import.' },
  malformed_csv_form: { ru: 'Форма повреждена: выберите один CSV-файл.', en: 'The form is malformed; choose one CSV file.' },
  bad_csv: { ru: 'Файл не читается как CSV.', en: 'The file is not readable CSV.' },
  empty_csv: { ru: 'В файле нет строк. Первая строка называет столбцы: {columns}.', en: 'The file has no rows. The first line names the columns: {columns}.' },
  missing_columns: {
    ru: 'В файле нет столбцов {missing}. Первая строка называет столбцы: {columns}.',
    en: 'The file lacks the column(s) {missing}. The first line names the columns: {columns}.',
  },
  csv_columns: {
    ru: 'Столбцы не совпадают с протоколом этих выборов; не хватает: {missing}; лишние: {unknown}.',
    en: 'The columns do not match this election’s protocol; missing: {missing}; unknown: {unknown}.',
  },
  too_many_rows: { ru: 'Не больше {limit} участков в одном файле.', en: 'At most {limit} stations per file.' },
  csv_column_twice: {
    ru: 'Столбец указан дважды: {columns} (turnout_ЧЧ:ММ — это последний день голосования, то же, что turnout_ГГГГ-ММ-ДД_ЧЧ:ММ этого дня).',
    en: 'A column is given twice: {columns} (turnout_HH:MM is the last voting day, the same as turnout_YYYY-MM-DD_HH:MM of that day).',
  },
  turnout_outside_voting_days: {
    ru: 'Явка за день, когда голосования не было: {columns}. Дни голосования этих выборов — с {first} по {last}.',
    en: 'Turnout for a day without voting: {columns}. This election’s voting days are {first} to {last}.',
  },
  // one line of an imported CSV, left out while the good lines went in (domain/imports/row-problem.ts)
  row_unreadable: { ru: 'Строка не читается как CSV (незакрытая кавычка или лишние столбцы).', en: 'This line is not readable CSV (an unclosed quote or extra columns).' },
  row_station_number: { ru: 'uik — номер участка, от 1 до 6 цифр.', en: 'uik must be the station number, 1 to 6 digits.' },
  row_text: { ru: '{column} пуст или длиннее {max} знаков.', en: '{column} is empty or longer than {max} characters.' },
  row_coordinate: { ru: '{column} — число от {min} до {max} или пусто.', en: '{column} must be a number from {min} to {max}, or empty.' },
  row_coordinates_pair: { ru: 'latitude и longitude указываются вместе: оба или ни одного.', en: 'latitude and longitude go together: give both or neither.' },
  row_figures: { ru: '{columns}: целое число от 0 или пусто.', en: '{columns}: a whole number from 0, or empty.' },
  row_station_twice: { ru: 'Участок {uik} уже есть в строке {line}.', en: 'Station {uik} is already on line {line}.' },
  turnout_goes_down: {
    ru: 'Явка считается нарастающим итогом с первого дня голосования, а {to} меньше, чем {from}.',
    en: 'Turnout is cumulative from the first voting day, but {to} is less than {from}.',
  },
  // accounts and sessions
  csrf: { ru: 'Форма устарела или открыта не с этого сайта. Обновите страницу и попробуйте снова.', en: 'This form has expired or did not come from this site. Reload the page and try again.' },
  rate_limited: { ru: 'Слишком много запросов с вашего адреса.', en: 'Too many requests from your address.' },
  login_throttled: { ru: 'Слишком много неудачных попыток входа с вашего адреса.', en: 'Too many failed logins from your address.' },
  wrong_credentials: { ru: 'Неверная почта или пароль.', en: 'Wrong email or password.' },
  unauthorized: { ru: 'Сначала войдите.', en: 'Please log in first.' },
  forbidden: { ru: 'Вашей учётной записи это недоступно.', en: 'Your account may not do this.' },
  link_invalid: {
    ru: 'Ссылка больше не действует: её уже использовали или срок истёк. Попросите новую у администратора.',
    en: 'This link is no longer valid: it was used already or it expired. Ask an admin for a new one.',
  },
  already_set_up: { ru: 'Учётная запись администратора уже создана.', en: 'An admin account already exists.' },
  email_taken: {
    ru: 'Учётная запись {email} уже есть. Чтобы выдать ей новую одноразовую ссылку для пароля, нажмите «Ссылка для нового пароля» в её строке на /admin/accounts или выполните npm run user:password-link -- --email {email}',
    en: 'An account for {email} exists already. To give them a new one-time link to set their password, use “New password link” on /admin/accounts, or run: npm run user:password-link -- --email {email}',
  },
  account_disabled: { ru: 'Учётная запись {email} отключена: сначала включите её, затем выдайте новую ссылку.', en: '{email} is disabled: enable the account first, then give it a new link.' },
  own_account: { ru: 'Нельзя менять роль своей учётной записи или отключать её; попросите другого администратора.', en: 'You cannot change the role of, or disable, your own account; ask another admin.' },
  totp_enabled: { ru: 'Двухфакторный вход для этой учётной записи уже включён.', en: 'Two-factor login is already on for this account.' },
  totp_off: { ru: 'Двухфакторный вход для этой учётной записи не включён.', en: 'Two-factor login is not on for this account.' },
  totp_mandatory: { ru: 'Администраторы требуют двухфакторный вход для всех учётных записей; выключить его нельзя.', en: 'The admins require two-factor login for every account; it cannot be turned off.' },
  totp_required: {
    ru: 'Эта учётная запись входит с двухфакторной защитой: введите текущий 6-значный код из приложения.',
    en: 'This account uses two-factor login: enter the current 6-digit code from your authenticator app.',
  },
  totp_setup_required: {
    ru: 'Двухфакторный вход обязателен для всех: сначала включите его на странице своей учётной записи (/account).',
    en: 'Two-factor login is required for every account: set it up on your account page (/account) first.',
  },
  wrong_code: { ru: 'Код неверный или уже использован; дождитесь следующего кода и попробуйте снова.', en: 'The code is wrong or was used already; wait for the next code and try again.' },
  // the catalogue of elections and categories, the publication hold
  voting_ends_before_start: { ru: 'Голосование не может закончиться раньше, чем началось.', en: 'Voting cannot end before it starts.' },
  slug_taken: { ru: 'Выборы с коротким именем «{slug}» уже есть.', en: 'An election with the short name “{slug}” exists already.' },
  code_taken: { ru: 'Код «{code}» уже занят; коды постоянны.', en: 'The code “{code}” is taken; codes are permanent.' },
  hold_needs_close_time: { ru: 'Чтобы отложить публикацию, укажите время закрытия участков.', en: 'To hold publication, give the time the polls close.' },
  publication_held: {
    ru: 'Публикация по этим выборам отложена до закрытия участков[ ({until} UTC)]. Ничего не изменено; проверьте сейчас, опубликуйте после.',
    en: 'Publication for this election is held until the polls close[ ({until} UTC)]. Nothing was changed; verify now and publish after that.',
  },
  // moderation
  already_decided: {
    ru: 'По этой отправке уже принято решение, её статус: {status}[ ({action}: {by}, {at} UTC)]. Ничего не изменено.',
    en: 'This submission was already decided: it is {status}[ ({action} by {by} at {at} UTC)]. Nothing was changed.',
  },
  stale_form: {
    ru: 'Запись изменилась после того, как вы её открыли[ — последнее решение: {action}, {by}, {at} UTC]. Ничего не изменено: обновите страницу и примите решение снова.',
    en: 'This entry changed after you opened it[ — latest decision: {action} by {by} at {at} UTC]. Nothing was changed; review the current version and decide again.',
  },
  claimed: {
    ru: 'Эту отправку сейчас проверяет {by} (до {until} UTC, если продолжит работу). Ничего не изменено.',
    en: '{by} is reviewing this entry (until {until} UTC unless they stay active). Nothing was changed.',
  },
  not_verified: { ru: 'Перед публикацией проверьте запись по списку. Ничего не изменено.', en: 'Verify this entry with the checklist before publishing it. Nothing was changed.' },
  not_published: { ru: 'Изменить публичный текст можно только у опубликованной записи. Ничего не изменено.', en: 'Only the public text of a published entry can be edited. Nothing was changed.' },
  merge_self: { ru: 'Нельзя объединить отправку саму с собой.', en: 'An entry cannot be merged into itself.' },
  merge_target_missing: { ru: 'Отправка, с которой нужно объединить, не найдена; проверьте её.', en: 'The entry to merge into was not found; check it.' },
  merge_target_closed: {
    ru: 'Отправка, с которой вы объединяете, уже закрыта (статус: {status}); объединяйте с той, что описывает это событие.',
    en: 'The entry to merge into is {status}; merge into the entry that stands for the event instead.',
  },
  unknown_note: { ru: 'Заметка, на которую вы отвечаете, не относится к этой отправке.', en: 'The note you reply to is not on this entry.' },
  public_description_required: {
    ru: 'Напишите публичное описание или, перечитав, возьмите слова наблюдателя, убрав всё, что его выдаёт. Ничего не изменено.',
    en: 'Write the public description, or choose to use the observer’s words after reading them for anything that identifies the observer. Nothing was changed.',
  },
  original_reveals: {
    ru: 'Оригиналы раскрывают то, что скрыто в публикации: {reveals}. Отметьте подтверждение, где это перечислено, или не разрешайте скачивать оригинал. Ничего не изменено.',
    en: 'The original files would reveal what this publication hides: {reveals}. Tick the confirmation that names what the originals carry, or do not allow downloading them. Nothing was changed.',
  },
  redacted_original: {
    ru: 'Оригинал показывает всё, что скрыто: либо оставьте скрытие, либо разрешите скачивать оригинал, но не то и другое вместе. Ничего не изменено.',
    en: 'The original shows everything the redaction covers: either keep the redaction or allow downloading the original, not both. Nothing was changed.',
  },
  redaction_unknown_file: {
    ru: 'Скрытие относится к файлу, которого нет в этой отправке; обновите страницу. Ничего не изменено.',
    en: 'A redaction names a file that is not in this entry; reload the page. Nothing was changed.',
  },
  redaction_time_on_photo: {
    ru: '{file} — фото: у его рамок нет времени; укажите только слева, сверху, ширину, высоту и способ. Ничего не изменено.',
    en: '{file} is a photo: its boxes have no time range (write left, top, width, height and the style only). Nothing was changed.',
  },
  redaction_not_rendered: {
    ru: 'У файла {file} нет изображения, на котором можно что-то скрыть (его не удалось показать). Ничего не изменено.',
    en: '{file} has no picture to redact (it could not be rendered). Nothing was changed.',
  },
  // what the database refused (domain/errors.ts fromStoreFailure)
  original_unchangeable: { ru: 'Присланное наблюдателем изменить нельзя.', en: 'What the observer sent cannot be changed.' },
  decision_required: { ru: 'То, что видит публика, меняется только записанным решением модератора.', en: 'What the public sees changes only by a recorded decision.' },
  already_exists: { ru: 'Такое уже есть.', en: 'This already exists.' },
  unknown_reference: { ru: 'Форма ссылается на то, чего нет.', en: 'The form refers to something that does not exist.' },
  invalid_value: { ru: 'Здесь такое значение недопустимо или записано неверно.', en: 'A value is not allowed here or has the wrong format.' },
  retry: { ru: 'Сервер был занят; попробуйте ещё раз.', en: 'The server was busy; please try again.' },
  busy: { ru: 'Сервер сейчас перегружен.', en: 'The server is busy right now.' },
  database_unavailable: { ru: 'База данных архива сейчас недоступна, поэтому ничего не сделано.', en: 'The archive’s database cannot be reached this minute, so nothing was done.' },
  outcome_unknown: {
    ru: 'Связь с базой данных архива оборвалась в момент сохранения, поэтому неизвестно, сохранено ли это. Проверьте или попробуйте ещё раз.',
    en: 'The connection to the archive’s database broke just as this was being saved, so it is not known whether it was. Check, or try again.',
  },
  internal: { ru: 'Что-то пошло не так на нашей стороне. Отправленное не потеряно; попробуйте ещё раз.', en: 'Something went wrong on our side. Nothing you sent was lost; please try again.' },
  // the public archive
  not_found: { ru: 'Не найдено.', en: 'Not found.' },
  exports_busy: { ru: 'Сейчас выгружается слишком много данных одновременно.', en: 'Too many exports are running right now.' },
  similar_busy: { ru: 'Сейчас идёт слишком много поисков похожих изображений.', en: 'Many image look-ups are running right now.' },
  unsupported_image: {
    ru: 'Это не изображение JPEG, PNG или WebP (тип определяется по содержимому, а не по имени). Пришлите копию до 256 пикселей в JPEG, PNG или WebP.',
    en: 'This is not a JPEG, PNG or WebP image (the type is checked from the content, not the name). Send a copy of at most 256 px as JPEG, PNG or WebP.',
  },
  undecodable_image: {
    ru: 'Изображение повреждено или обрезано, его нельзя прочитать. Пришлите копию до 256 пикселей в JPEG, PNG или WebP.',
    en: 'The image is damaged or cut off and cannot be decoded. Send a copy of at most 256 px as JPEG, PNG or WebP.',
  },
  bad_cursor: {
    ru: 'Ссылка на страницу повреждена или относится к другой сортировке; вернитесь на первую страницу.',
    en: 'The page link is malformed or belongs to another sort order; go back to the first page.',
  },
  // the transparency log
  no_tree_head: { ru: 'У журнала ещё нет подписанной вершины; попробуйте через несколько секунд.', en: 'The log has no signed tree head yet; try again in a few seconds.' },
  no_tree_head_at: {
    ru: 'Вершина размера {size} не подписывалась; подписанные перечислены на /api/v1/log/sths.',
    en: 'No tree head was signed at size {size}; /api/v1/log/sths lists those that were.',
  },
  beyond_tree: {
    ru: '{what} {size} — за пределами журнала: размер последней подписанной вершины {latest}.',
    en: '{what} {size} is beyond the log: the latest signed tree head has size {latest}.',
  },
  unknown_leaf: { ru: 'В журнале нет записи с хешем {hash}.', en: 'The log has no leaf with hash {hash}.' },
  leaf_not_in_tree: {
    ru: 'Запись №{index} не входит в дерево размера {size}: она есть в деревьях размера {from} и больше.',
    en: 'Leaf #{index} is not in the tree of size {size}: it is in trees of size {from} and larger.',
  },
  not_yet_signed: {
    ru: 'Запись №{index} ещё не вошла в подписанную вершину (последняя охватывает {size} записей); её подпишут примерно через {within_s} с.',
    en: 'Leaf #{index} is not in a signed tree head yet (the latest covers {size} leaves); one is signed within about {within_s} seconds.',
  },
  first_after_second: { ru: 'first ({first}) не может быть больше second ({second}).', en: 'first ({first}) must not be larger than second ({second}).' },
  end_not_after_start: { ru: 'end ({end}) должен быть больше start ({start}).', en: 'end ({end}) must be larger than start ({start}).' },
  too_many_leaves: { ru: 'Не больше {limit} записей за запрос (запрошено {asked}).', en: 'At most {limit} leaves per request (asked for {asked}).' },
  no_such_tile: {
    ru: 'Такого фрагмента журнала нет: фрагменты лежат по адресам /log/tile/<уровень>/<номер>[.p/<ширина>] (C2SP tlog-tiles); записи листьев не публикуются.',
    en: 'No such tile: tiles are at /log/tile/<level>/<index>[.p/<width>] (C2SP tlog-tiles); entry bundles are not served, leaf records are private.',
  },
  tile_beyond_tree: { ru: 'Такого фрагмента журнала нет: размер последней подписанной вершины {size}.', en: 'No such tile: the latest signed tree head has size {size}.' },
  no_log_key: {
    ru: 'Журнал ещё не опубликовал свой ключ: подписывающий процесс ещё не запущен. Попробуйте через минуту.',
    en: 'The log has not published its key yet: its signer has not started. Try again in a minute.',
  },
  // a form's problems, each said per field (FIELD_WORDS)
  invalid_input: { ru: 'Проверьте форму.', en: 'Please check the form.' },
};

/** What a 404 did not find, a sentence each: the languages inflect the noun differently. */
const MISSING_WORDS: Record<MissingThing, Words> = {
  page: { ru: 'Такой страницы нет.', en: 'This page was not found.' },
  file: { ru: 'Файл не найден.', en: 'The file was not found.' },
  preview: { ru: 'Превью не найдено.', en: 'The preview was not found.' },
  receipt: { ru: 'Такой квитанции нет.', en: 'This receipt was not found.' },
  export_format: { ru: 'Такого формата выгрузки нет: используйте export.csv или export.json.', en: 'This export format was not found (use export.csv or export.json).' },
  election: { ru: 'Выборы не найдены.', en: 'The election was not found.' },
  category: { ru: 'Вид нарушения не найден.', en: 'The category was not found.' },
  submission: { ru: 'Отправка не найдена.', en: 'The submission was not found.' },
  entry: { ru: 'Запись не найдена.', en: 'The entry was not found.' },
  protocol_copy: { ru: 'Копия протокола не найдена.', en: 'This protocol copy was not found.' },
  count: { ru: 'Подсчёт не найден.', en: 'This count was not found.' },
  station: { ru: 'По этому участку ничего не опубликовано.', en: 'This polling station was not found (nothing is published for it).' },
  upload: { ru: 'Загрузка не найдена.', en: 'This upload was not found.' },
  account: { ru: 'Учётная запись не найдена.', en: 'The account was not found.' },
  session: { ru: 'Сеанс не найден.', en: 'The session was not found.' },
  video_copy: { ru: 'Копия видео не найдена.', en: 'The video copy was not found.' },
  original: { ru: 'Оригинал этого файла недоступен.', en: 'The original of this file was not found.' },
};

/** What a downloadable original would reveal, named in a refusal (original_reveals). */
const REVEAL_WORDS: Record<OriginalReveal, Words> = {
  gps: { ru: 'GPS-координаты', en: 'GPS coordinates' },
  device: { ru: 'устройство', en: 'the device' },
  serial_numbers: { ru: 'серийные номера камеры или объектива', en: 'serial numbers of the camera or lens' },
  unread_metadata: { ru: 'непрочитанные метаданные', en: 'metadata that could not be read' },
};

/**
 * Each form field, named as the page labels it: a form error says every item in these words, never
 * the field's internal name. A field with no words here is said by its problem's kind (PROBLEM_KIND_WORDS).
 */
const FIELD_WORDS: Record<string, Words> = {
  election_id: { ru: 'Выберите выборы.', en: 'Choose an election.' },
  region: { ru: 'Укажите регион или страну (до 200 символов).', en: 'Enter the region or country (up to 200 characters).' },
  station_number: { ru: 'Номер участка — от 1 до 6 цифр, например 8050.', en: 'The polling-station number is 1 to 6 digits, e.g. 8050.' },
  category_code: { ru: 'Выберите вид нарушения.', en: 'Choose what kind of violation this is.' },
  description: { ru: 'Опишите, что произошло (до 10 000 символов).', en: 'Describe what happened (up to 10 000 characters).' },
  happened_at: { ru: 'Время указано неверно: нужна настоящая дата и время.', en: 'The time is wrong: give a real date and time.' },
  email: { ru: 'Укажите правильный адрес эл. почты.', en: 'Enter a valid email address.' },
  password: { ru: 'Пароль: не короче 12 символов.', en: 'The password must be at least 12 characters.' },
  reason: { ru: 'Укажите причину (до 2000 символов).', en: 'Give the reason (up to 2000 characters).' },
  ids: { ru: 'Отметьте хотя бы одну отправку (не больше 200 за раз).', en: 'Tick at least one entry (at most 200 at once).' },
  merge_into: { ru: 'Отметьте в группе отправку, которую нужно оставить («оставить эту»).', en: 'Pick the entry to keep (“keep this one”) in the cluster.' },
  reason_code: { ru: 'Укажите причину отклонения: выберите её из списка.', en: 'Give a reason for the rejection: choose one from the list.' },
  count_from: { ru: 'Укажите дату и время начала подсчёта.', en: 'Give the date and time the counting began.' },
  count_to: { ru: 'Укажите дату и время конца подсчёта: позже начала.', en: 'Give the date and time the counting ended: after it began.' },
  count_people: {
    ru: 'Укажите подсчёт целиком: начало, конец, сколько человек (целое число до 100 000), что и как считали.',
    en: 'Give the whole count: from, to, how many people (a whole number up to 100 000), what and how it was counted.',
  },
  count_what: { ru: 'Укажите, что считали.', en: 'Say what was counted.' },
  count_method: { ru: 'Укажите, как считали.', en: 'Say how it was counted.' },
  redactions: {
    ru: 'Прямоугольник для скрытия записан неверно: укажите слева, сверху, ширину и высоту в процентах от изображения, на видео можно ещё секунды «с» и «по», и затем blur (размыть) или fill (закрасить), например «10 20 15 15 blur» или «10 20 15 15 2.5 8 blur». Ничего не изменено.',
    en: 'A box to cover is written wrongly: give left, top, width and height in percent of the picture, on a video optionally the seconds from and to, then blur or fill, e.g. “10 20 15 15 blur” or “10 20 15 15 2.5 8 blur”. Nothing was changed.',
  },
  after: { ru: 'Ссылка на страницу повреждена.', en: 'The page link is malformed.' },
  before: { ru: 'Ссылка на страницу повреждена.', en: 'The page link is malformed.' },
  idempotency_key: { ru: 'Ключ отправки — от 22 до 128 латинских букв, цифр, «-» или «_».', en: 'A submission key is 22 to 128 letters, digits, "-" or "_".' },
  action: { ru: 'Выберите решение.', en: 'Choose a decision.' },
  public_title: { ru: 'Публичный заголовок — не больше 300 символов.', en: 'The public title may be at most 300 characters.' },
  public_description: { ru: 'Публичное описание — не больше 10 000 символов.', en: 'The public description may be at most 10 000 characters.' },
  public_location: { ru: 'Выберите, насколько точно показать место.', en: 'Choose how precisely the place is shown.' },
  lines: { ru: 'Строки протокола — не больше 20 000 символов.', en: 'At most 20 000 characters of protocol lines.' },
  // the admin's forms
  slug: { ru: 'Короткое имя — от 3 до 80 строчных латинских букв, цифр или дефисов, например ru-duma-2026.', en: 'The short name is 3–80 lowercase letters, digits or dashes, e.g. ru-duma-2026.' },
  name_ru: { ru: 'Укажите название по-русски (до 300 символов).', en: 'Enter the Russian name (up to 300 characters).' },
  name_en: { ru: 'Укажите название по-английски (до 300 символов).', en: 'Enter the English name (up to 300 characters).' },
  country: { ru: 'Страна — двухбуквенный код, например RU.', en: 'The country is a two-letter code, e.g. RU.' },
  voting_starts_on: { ru: 'Первый день голосования — дата вида ГГГГ-ММ-ДД.', en: 'The first voting day must be a date (YYYY-MM-DD).' },
  voting_ends_on: { ru: 'Последний день голосования — дата вида ГГГГ-ММ-ДД.', en: 'The last voting day must be a date (YYYY-MM-DD).' },
  code: { ru: 'Код — от 2 до 60 строчных латинских букв, цифр или «_»; изменить его потом нельзя.', en: 'The code is 2–60 lowercase letters, digits or underscores; it can never change later.' },
  phase_code: { ru: 'Выберите этап.', en: 'Choose a phase.' },
  label_ru: { ru: 'Укажите название по-русски (до 300 символов).', en: 'Enter the Russian label (up to 300 characters).' },
  label_en: { ru: 'Укажите название по-английски (до 300 символов).', en: 'Enter the English label (up to 300 characters).' },
  role: { ru: 'Выберите: модератор или администратор.', en: 'Choose moderator or admin.' },
  polls_close_at: { ru: 'Время закрытия участков — настоящие дата и время (ГГГГ-ММ-ДДTЧЧ:ММ, UTC).', en: 'The closing time is a real date and time (YYYY-MM-DDTHH:MM, UTC).' },
  secret: { ru: 'Форма настройки повреждена: обновите страницу.', en: 'The setup form is malformed; reload the page.' },
  token: { ru: 'Ссылка повреждена.', en: 'This link is malformed.' },
  // the checklist names each item as the review page labels it
  ...Object.fromEntries(
    CHECKLIST_ITEMS.map((k) => [
      `note_${k}`,
      {
        ru: `Отметьте «${translator('ru')(`check_${k}`)}» или объясните в поле под ним, почему нет.`,
        en: `Tick “${translator('en')(`check_${k}`)}” or explain in its text field why not.`,
      },
    ]),
  ),
};

/**
 * zod's kinds of problem (too long, not a number…), said of a field that has no words of its own
 * (FIELD_WORDS): `{field}` is the parameter's name as an API client sent it.
 */
const PROBLEM_KIND_WORDS = {
  missing: { ru: 'Не указан параметр «{field}».', en: '{field} is required.' },
  given_twice: { ru: 'Параметр «{field}» указан несколько раз: нужен один.', en: '{field} must be given once.' },
  too_long: { ru: '«{field}»: не больше {limit} символов.', en: '{field} may be at most {limit} characters.' },
  too_short: { ru: '«{field}»: не меньше {limit} символов.', en: '{field} must be at least {limit} characters.' },
  too_large: { ru: '«{field}»: не больше {limit}.', en: '{field} may be at most {limit}.' },
  too_small: { ru: '«{field}»: не меньше {limit}.', en: '{field} must be at least {limit}.' },
  too_many: { ru: '«{field}»: не больше {limit} значений.', en: '{field}: at most {limit} values.' },
  too_few: { ru: '«{field}»: не меньше {limit} значений.', en: '{field}: at least {limit} values.' },
  not_number: { ru: '«{field}» должно быть числом.', en: '{field} must be a number.' },
  not_whole: { ru: '«{field}» должно быть целым числом.', en: '{field} must be a whole number.' },
  not_one_of: { ru: '«{field}» — одно из значений: {options}.', en: '{field} must be one of: {options}.' },
  malformed: { ru: 'Неверное значение «{field}».', en: '{field} is malformed.' },
  unknown_field: { ru: 'Неизвестные параметры: {field}.[ Этот адрес принимает: {accepted}.]', en: 'Unknown parameter(s): {field}.[ This address takes: {accepted}.]' },
} satisfies Record<string, Words>;

/** Problems a schema names by key (`fieldProblem('totp_code')`) where the field's own words would not say it. */
const NAMED_PROBLEM_WORDS = {
  one_or_zero: { ru: '«{field}»: 1 или 0.', en: '{field} must be 1 or 0.' },
  date_in_range: { ru: '«{field}» — настоящая дата между 1990 и 2100 годом.', en: '{field} must be a real date between 1990 and 2100.' },
  range_reversed: { ru: '«{field}» должно быть раньше «{to}».', en: '{field} must be before {to}.' },
  control_characters: { ru: 'В тексте поиска есть управляющие символы.', en: 'The search text contains control characters.' },
  bbox_format: { ru: 'bbox — запад,юг,восток,север в градусах, например 19,41,180,82.', en: 'bbox is west,south,east,north in degrees, e.g. 19,41,180,82.' },
  bbox_range: { ru: 'bbox должен лежать в пределах ±180/±90, запад < восток, юг < север.', en: 'bbox must lie within ±180/±90 with west < east and south < north.' },
  totp_code: { ru: 'Код — 6 цифр, которые показывает приложение-аутентификатор.', en: 'The code is the 6 digits your authenticator app shows.' },
  password_missing: { ru: 'Введите пароль.', en: 'Enter your password.' },
  password_too_long: { ru: 'Пароль слишком длинный.', en: 'The password is too long.' },
  real_date_time: { ru: 'Такой даты и времени не бывает.', en: 'This is not a real date and time.' },
  upload_named_twice: { ru: 'Одна и та же загрузка указана дважды.', en: 'An upload is named twice.' },
  one_redaction_field: { ru: 'Для каждого файла — одно поле скрытия.', en: 'Send one redaction field per file.' },
  redaction_not_box: {
    ru: 'Скрытие «{line}» — не прямоугольник: укажите слева, сверху, ширину и высоту в процентах от изображения, на видео можно ещё секунды «с» и «по», и затем blur (размыть) или fill (закрасить), например «10 20 15 15 blur» или «10 20 15 15 2.5 8 blur».',
    en: 'The redaction “{line}” is not a rectangle: write left, top, width and height in percent of the picture, on a video optionally the seconds from and to, then blur or fill, e.g. “10 20 15 15 blur” or “10 20 15 15 2.5 8 blur”.',
  },
  redaction_reversed: {
    ru: 'Скрытие «{line}» кончается раньше, чем начинается: второе время (в секундах) должно быть позже первого.',
    en: 'The redaction “{line}” ends before it starts: the second time (seconds) must be later than the first.',
  },
  count_incomplete: {
    ru: 'Укажите подсчёт целиком: начало, конец, сколько человек, что и как считали.',
    en: 'Give the whole count: from, to, how many, what and how it was counted.',
  },
  count_reversed: { ru: 'Подсчёт должен закончиться позже, чем начался.', en: 'The counting must end after it began.' },
  too_many_files: { ru: 'Не больше {limit} файлов в одной отправке.', en: 'At most {limit} files can be sent at once.' },
  too_many_redactions: { ru: 'Не больше {limit} прямоугольников на файл.', en: 'At most {limit} rectangles per file.' },
  no_version: { ru: 'В форме нет версии записи: обновите страницу и примите решение снова.', en: 'This form has no entry version; reload the page and decide again.' },
  reload_page: { ru: 'Форма устарела: обновите страницу.', en: 'The form is out of date: reload the page.' },
  reason_reject: { ru: 'Укажите причину отклонения.', en: 'Give a reason for the rejection.' },
  reason_merge: { ru: 'Объясните, почему записи показывают одно и то же событие.', en: 'Say why the entries show the same event.' },
  reason_needs_info: { ru: 'Напишите, каких сведений не хватает.', en: 'Say what information is missing.' },
  reason_unpublish: { ru: 'Укажите причину снятия с публикации: её покажет публичная страница.', en: 'Give the reason for unpublishing; the public page shows it.' },
  reason_bulk: { ru: 'Укажите одну причину для всех отмеченных записей.', en: 'Give one reason for all the ticked entries.' },
  bulk_action: { ru: 'Выберите, что сделать с отмеченными записями.', en: 'Choose what to do with the ticked entries.' },
  note_empty: { ru: 'Сначала напишите заметку.', en: 'Write the note first.' },
  text_too_long: { ru: 'Текст — не больше {limit} символов.', en: 'The text may be at most {limit} characters.' },
  question_closed: { ru: 'Этот вопрос уже закрыт.', en: 'This question is no longer open.' },
  date_or_instant: { ru: '«{field}» — дата вида 2024-03-17 или время вида 2024-03-17T12:00:00Z.', en: '{field} must be a date like 2024-03-17 or a time like 2024-03-17T12:00:00Z.' },
  category_code: { ru: 'Вид нарушения — код вроде ballot_stuffing.', en: 'A category is a code like ballot_stuffing.' },
  station_number: { ru: 'Номер участка — от 1 до 6 цифр.', en: 'A polling-station number is 1 to 6 digits.' },
  sha256: { ru: 'SHA-256 — 64 шестнадцатеричные цифры.', en: 'A SHA-256 is 64 hexadecimal digits.' },
  tree_count: { ru: '«{field}» — целое неотрицательное число меньше 2^53, например 42.', en: '{field} must be a non-negative whole number below 2^53, e.g. 42.' },
  empty_tree: { ru: 'tree_size — не меньше 1: пустое дерево не содержит записей.', en: 'tree_size must be at least 1: the empty tree includes no leaf.' },
  byte_count: { ru: 'Заголовок {field} — целое число байт.', en: 'The {field} header must be a whole number of bytes.' },
  upload_metadata: { ru: 'Upload-Metadata — пары «ключ значение-в-Base64» через запятую, каждый ключ один раз.', en: 'Upload-Metadata must be comma-separated pairs of a key and a Base64 value, each key once.' },
  protocol_figure: { ru: 'Цифра протокола — целое число от 0 до 10 000 000.', en: 'A protocol figure is a whole number from 0 to 10 000 000.' },
} satisfies Record<string, Words>;

export type ProblemKind = keyof typeof PROBLEM_KIND_WORDS;
/** A problem a schema names: its message is this key, never prose (the words are here, in both languages). */
export type FieldProblem = keyof typeof NAMED_PROBLEM_WORDS;
export const fieldProblem = (key: FieldProblem): string => key;
export const isFieldProblem = (key: unknown): key is FieldProblem => typeof key === 'string' && Object.hasOwn(NAMED_PROBLEM_WORDS, key);

/** One problem of a form or query, as validation reports it in details.fields. */
export type FieldIssue = { field: string; kind?: ProblemKind; problem?: FieldProblem; params?: ErrorParams };

const RETRY_IN: Words = { ru: 'Повторите через {wait}.', en: 'Try again in {wait}.' };

/** A wait a person reads at a glance: "40 s", "3 min", "5 h". */
function waitWords(seconds: number, lang: Lang): string {
  const [s, min, h] = lang === 'ru' ? ['с', 'мин', 'ч'] : ['s', 'min', 'h'];
  if (seconds < 120) return `${seconds} ${s}`;
  if (seconds < 2 * 3600) return `${Math.ceil(seconds / 60)} ${min}`;
  return `${Math.ceil(seconds / 3600)} ${h}`;
}

/** A parameter as said in the language: codes (a status, an action, what an original reveals) in words, lists with commas. */
function paramWords(name: string, value: ErrorParams[string], lang: Lang): string {
  const t = translator(lang);
  const one = (v: string | number): string => {
    const key = `${name}_${v}`;
    if ((name === 'status' || name === 'action') && hasMessage(key)) return t(key);
    if (name === 'reveals' && v in REVEAL_WORDS) return REVEAL_WORDS[v as OriginalReveal][lang];
    return String(v);
  };
  return typeof value === 'object' ? value.map(one).join(', ') : one(value);
}

const PARAM = /\{([a-z_]+)\}/g;

/** Fills a text's parameters; an optional part `[…]` stays only when every parameter in it is given. */
function filled(text: string, params: ErrorParams, lang: Lang): string {
  const given = (name: string) => params[name] !== undefined && params[name] !== '';
  return text
    .replace(/\[([^\]]*)\]/g, (_, part: string) => ([...part.matchAll(PARAM)].every((m) => given(m[1]!)) ? part : ''))
    .replace(PARAM, (whole, name: string) => (given(name) ? paramWords(name, params[name]!, lang) : whole));
}

type ErrorToSay = Pick<AppError, 'code' | 'params' | 'details' | 'retryAfterSeconds'>;

/** One field's problem in the language: the schema's own key, else the field as the page labels it, else zod's kind of problem. */
export function fieldIssueText({ field, kind, problem, params = {} }: FieldIssue, lang: Lang): string {
  const words =
    (problem && NAMED_PROBLEM_WORDS[problem]) ?? FIELD_WORDS[field] ?? (kind && field ? PROBLEM_KIND_WORDS[kind] : undefined) ?? ERROR_WORDS.invalid_input!;
  return filled(words[lang], { field, ...params }, lang);
}

/** Every problem of a form, once each, each item in words the page uses. */
function formProblems(error: ErrorToSay, lang: Lang): string | null {
  const fields = (error.details?.fields as FieldIssue[] | undefined) ?? [];
  const texts = fields.map((issue) => fieldIssueText(issue, lang));
  return texts.length ? [...new Set(texts)].join(' ') : null;
}

/** What an error says to a person in the language; the wait to come back, if any, is said after it. */
export function errorText(error: ErrorToSay, lang: Lang): string {
  const thing = error.code === 'not_found' ? MISSING_WORDS[error.params.thing as MissingThing] : undefined;
  const text =
    (error.code === 'invalid_input' ? formProblems(error, lang) : null) ??
    filled((thing ?? ERROR_WORDS[error.code] ?? ERROR_WORDS.internal!)[lang], error.params, lang);
  const wait = error.retryAfterSeconds;
  return wait === undefined ? text : `${text} ${filled(RETRY_IN[lang], { wait: waitWords(wait, lang) }, lang)}`;
}

/** For the catalogue test: the words of a code (null: it has none), and the things a 404 may name. */
export const errorWords = (code: string): Words | null => ERROR_WORDS[code] ?? null;
export const missingThings = Object.keys(MISSING_WORDS) as MissingThing[];
/** For the catalogue test: every field's and field problem's words. */
export const fieldWordsAll = (): Words[] => [...Object.values(PROBLEM_KIND_WORDS), ...Object.values(NAMED_PROBLEM_WORDS), ...Object.values(FIELD_WORDS)];
