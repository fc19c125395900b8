-- The violation taxonomy of Golos's Map of Violations (kartanarusheniy.org), grouped by phase,
-- plus three categories 2024 added (remote e-voting coercion, queues/protest actions such as
-- "Noon Against Putin", ballot shortage). Codes are stable forever; admins edit labels only.

INSERT INTO category_phases (code, position, label_ru, label_en) VALUES
  ('before_voting_day', 1, 'До дня голосования', 'Before voting day'),
  ('voting_day',        2, 'В день голосования', 'Voting day'),
  ('counting',          3, 'При подсчёте', 'Counting'),
  ('personal_safety',   4, 'Посягательства на личную безопасность', 'Personal safety');

INSERT INTO categories (code, phase_code, position, label_ru, label_en) VALUES
  ('admin_resource',         'before_voting_day', 1, 'Злоупотребление административным ресурсом', 'Abuse of administrative resources'),
  ('registration_refusal',   'before_voting_day', 2, 'Неправомерные отказы в регистрации и нарушение прав кандидата', 'Unlawful refusal of registration, candidates'' rights'),
  ('signature_collection',   'before_voting_day', 3, 'Нарушения при сборе подписей', 'Signature collection'),
  ('print_campaigning',      'before_voting_day', 4, 'Нарушение правил печатной и наружной агитации', 'Print and outdoor campaigning'),
  ('media_campaigning',      'before_voting_day', 5, 'Нарушения правил агитации в СМИ', 'Campaigning in the media'),
  ('coercion_bribery',       'before_voting_day', 6, 'Давление начальства, принуждение, подкуп избирателей', 'Employer pressure, coercion, vote buying'),
  ('early_voting',           'before_voting_day', 7, 'Нарушения порядка досрочного голосования', 'Early voting'),
  ('rights_before',          'before_voting_day', 8, 'Нарушение прав членов комиссии, наблюдателей, СМИ', 'Rights of commission members, observers, media'),
  ('law_enforcement',        'before_voting_day', 9, 'Воздействие правоохранительных органов', 'Law-enforcement pressure'),
  ('other_before',           'before_voting_day', 10, 'Иные', 'Other'),
  ('before_opening',         'voting_day', 1, 'Нарушения перед началом голосования: сейф-пакеты, процедуры', 'Before opening: safe bags, procedures'),
  ('station_setup',          'voting_day', 2, 'Нарушения в оборудовании участка', 'Polling-station setup'),
  ('observer_rights',        'voting_day', 3, 'Нарушения прав наблюдателей, членов комиссии, СМИ', 'Observers'', commission members'', media rights, removal'),
  ('ballot_stuffing',        'voting_day', 4, 'Вбросы, «карусели»', 'Ballot stuffing, carousel voting'),
  ('home_voting',            'voting_day', 5, 'Нарушения при голосовании «на дому»', 'Home voting'),
  ('voter_list',             'voting_day', 6, 'Нарушение в ведении списка избирателей, отказ в голосовании', 'Voter list, denial of vote'),
  ('coercion_bussing',       'voting_day', 7, 'Принуждение, подвоз избирателей, контроль голосования', 'Coercion, bussing, controlled voting'),
  ('illegal_campaigning',    'voting_day', 8, 'Незаконная агитация, лотереи, подкуп', 'Illegal campaigning, lotteries, bribery'),
  ('ballot_shortage',        'voting_day', 9, 'Нехватка бюллетеней', 'Ballot shortage'),
  ('queues_protest',         'voting_day', 10, 'Очереди и акции, например «Полдень против Путина»', 'Queues and protest actions such as Noon Against Putin'),
  ('remote_evoting_coercion','voting_day', 11, 'Принуждение к ДЭГ', 'Remote e-voting coercion'),
  ('other_voting_day',       'voting_day', 12, 'Иные', 'Other'),
  ('count_procedure',        'counting', 1, 'Нарушения последовательности и процедуры подсчёта', 'Count sequence and procedure'),
  ('count_falsified',        'counting', 2, 'Искажение итогов при подсчёте', 'Results falsified during the count'),
  ('protocol',               'counting', 3, 'Нарушения при составлении протокола, оформлении копии', 'Protocol and its copy'),
  ('higher_commissions',     'counting', 4, 'Нарушения в вышестоящих комиссиях', 'Higher commissions'),
  ('other_counting',         'counting', 5, 'Иные', 'Other'),
  ('attack_person_property', 'personal_safety', 1, 'Посягательство на жизнь, здоровье, имущество', 'Attack on life, health, property');

INSERT INTO elections (slug, name_ru, name_en, country, voting_starts_on, voting_ends_on) VALUES
  ('ru-president-2024', 'Россия — выборы президента, 15–17 марта 2024', 'Russia — presidential election, 15–17 March 2024', 'RU', '2024-03-15', '2024-03-17');
