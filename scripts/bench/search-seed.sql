-- Seeds the search benchmark's own database with svidetel_bench.rows published entries (one file each), set-based
-- (generate_series), with triggers and foreign-key checks off for speed; scripts/bench/search.ts
-- then fills archive_entries through the same view the triggers use. Deterministic (setseed).
SET session_replication_role = replica;
SELECT setseed(0.4242);

CREATE TEMP TABLE bench_regions (idx int PRIMARY KEY, name text, lat float8, lon float8);
INSERT INTO bench_regions (idx, name, lat, lon)
SELECT row_number() OVER () - 1, name, lat, lon FROM (VALUES
  ('Москва', 55.75, 37.62), ('Санкт-Петербург', 59.94, 30.31), ('Московская область', 55.60, 37.90),
  ('Республика Татарстан', 55.79, 49.12), ('Свердловская область', 56.84, 60.60), ('Новосибирская область', 55.03, 82.92),
  ('Нижегородская область', 56.33, 44.00), ('Краснодарский край', 45.04, 38.98), ('Ростовская область', 47.23, 39.72),
  ('Самарская область', 53.20, 50.15), ('Республика Башкортостан', 54.73, 55.95), ('Челябинская область', 55.16, 61.40),
  ('Пермский край', 58.01, 56.25), ('Воронежская область', 51.66, 39.20), ('Волгоградская область', 48.71, 44.51),
  ('Красноярский край', 56.01, 92.87), ('Саратовская область', 51.53, 46.03), ('Тюменская область', 57.15, 65.53),
  ('Омская область', 54.99, 73.37), ('Иркутская область', 52.29, 104.28), ('Приморский край', 43.12, 131.89),
  ('Хабаровский край', 48.48, 135.08), ('Республика Дагестан', 42.98, 47.50), ('Чеченская Республика', 43.32, 45.69),
  ('Калининградская область', 54.71, 20.51), ('Мурманская область', 68.97, 33.07), ('Архангельская область', 64.54, 40.54),
  ('Ярославская область', 57.63, 39.87), ('Тверская область', 56.86, 35.90), ('Ленинградская область', 59.57, 30.10),
  ('Кемеровская область — Кузбасс', 55.35, 86.09), ('Алтайский край', 53.35, 83.78), ('Удмуртская Республика', 56.85, 53.20),
  ('Оренбургская область', 51.77, 55.10), ('Ульяновская область', 54.32, 48.40), ('Пензенская область', 53.20, 45.00),
  ('Республика Саха (Якутия)', 62.03, 129.73), ('Забайкальский край', 52.03, 113.50), ('Камчатский край', 53.02, 158.65),
  ('Томская область', 56.48, 84.95)
) AS r (name, lat, lon);

-- What happened (Russian and English), with the category it belongs to.
CREATE TEMP TABLE bench_subjects (idx int PRIMARY KEY, category text, ru text, en text);
INSERT INTO bench_subjects (idx, category, ru, en)
SELECT row_number() OVER () - 1, category, ru, en FROM (VALUES
  ('ballot_stuffing', 'Вброс бюллетеней в урну', 'Ballots stuffed into the box'),
  ('ballot_stuffing', 'Карусельное голосование: одни и те же люди голосуют повторно', 'Carousel voting: the same people voted several times'),
  ('observer_rights', 'Наблюдателя удалили с участка без объяснения причин', 'Observer removed from the polling station without explanation'),
  ('before_opening', 'Председатель комиссии отказался показать сейф-пакеты', 'The commission chair refused to show the safe bags'),
  ('coercion_bussing', 'Подвоз избирателей автобусами с предприятия', 'Voters bussed in from a factory'),
  ('count_falsified', 'Члены комиссии сами заполняют бюллетени при подсчёте', 'Commission members filling in ballots during the count'),
  ('protocol', 'Протокол переписали после подсчёта голосов', 'The protocol was rewritten after the count'),
  ('home_voting', 'Голосование на дому без заявлений избирателей', 'Home voting without voters'' applications'),
  ('station_setup', 'Камера видеонаблюдения закрыта пакетом', 'The CCTV camera was covered with a bag'),
  ('remote_evoting_coercion', 'Сотрудников принуждают голосовать через ДЭГ', 'Employees coerced into remote e-voting'),
  ('queues_protest', 'Большая очередь в полдень у участка', 'A long queue at noon outside the station'),
  ('ballot_shortage', 'Бюллетени закончились в середине дня', 'Ballots ran out in the middle of the day'),
  ('observer_rights', 'Полиция не пускает журналистов на участок', 'Police not letting journalists into the station'),
  ('coercion_bribery', 'Начальство требует фотографию заполненного бюллетеня', 'Managers demand a photo of the filled-in ballot'),
  ('illegal_campaigning', 'Раздача подарков и лотерея у входа', 'Gifts and a lottery at the entrance')
) AS s (category, ru, en);

CREATE TEMP TABLE bench_details (idx int PRIMARY KEY, ru text, en text);
INSERT INTO bench_details (idx, ru, en)
SELECT row_number() OVER () - 1, ru, en FROM (VALUES
  ('видно на видео', 'visible in the video'), ('около двух часов дня', 'around two in the afternoon'),
  ('наблюдатель зафиксировал нарушение', 'an observer recorded it'), ('пачка бюллетеней в руках', 'a stack of ballots in hand'),
  ('рядом с урной для голосования', 'next to the ballot box'), ('подана жалоба в ТИК', 'a complaint was filed with the TIK'),
  ('сотрудники полиции стояли рядом', 'police officers stood nearby'), ('член комиссии с бейджем', 'a commission member with a badge'),
  ('после закрытия участка', 'after the station closed'), ('в присутствии председателя', 'in front of the chair'),
  ('участвовали несколько человек', 'several people took part'), ('сейф-пакет был вскрыт', 'the safe bag had been opened'),
  ('снято на телефон из зала', 'filmed on a phone from the hall'), ('утром, сразу после открытия', 'in the morning, right after opening')
) AS d (ru, en);

INSERT INTO elections (slug, name_ru, name_en, country, voting_starts_on, voting_ends_on) VALUES
  ('ru-duma-2021', 'Россия — выборы в Госдуму, 17–19 сентября 2021', 'Russia — State Duma election, 17–19 September 2021', 'RU', '2021-09-17', '2021-09-19'),
  ('ru-regional-2023', 'Россия — единый день голосования, 8–10 сентября 2023', 'Russia — single voting day, 8–10 September 2023', 'RU', '2023-09-08', '2023-09-10'),
  ('ru-duma-2026', 'Россия — выборы в Госдуму, сентябрь 2026', 'Russia — State Duma election, September 2026', 'RU', '2026-09-18', '2026-09-20')
ON CONFLICT (slug) DO NOTHING;

INSERT INTO accounts (email, role) VALUES ('bench-moderator@example.org', 'moderator') ON CONFLICT (email) DO NOTHING;

CREATE TEMP TABLE bench_seed AS
SELECT g,
       gen_random_uuid() AS submission_id,
       gen_random_uuid() AS decision_id,
       gen_random_uuid() AS file_id,
       gen_random_bytes(32) AS sha256,
       floor(random() * (SELECT count(*) FROM bench_regions))::int AS region_idx,
       (1 + floor(random() * 3000))::int AS station,
       floor(random() * 15)::int AS subject_idx,
       floor(random() * 14)::int AS detail1,
       floor(random() * 14)::int AS detail2,
       random() < 0.8 AS in_russian,
       random() < 0.15 AS is_video,
       random() AS location_roll,
       random() < 0.7 AS has_gps,
       random() < 0.8 AS has_capture_time,
       timestamptz '2024-03-17 06:00+00' + random() * interval '80 days' AS published_at,
       random() * interval '3 days' AS capture_before,
       (random() - 0.5) AS dlat,
       (random() - 0.5) AS dlon,
       e.ids[1 + floor(random() * cardinality(e.ids))::int] AS election_id
  FROM generate_series(1, current_setting('svidetel_bench.rows')::int) AS g
 CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM elections) e;

INSERT INTO decisions (id, submission_id, account_id, action, created_at)
SELECT b.decision_id, b.submission_id, (SELECT id FROM accounts WHERE email = 'bench-moderator@example.org'), 'verify_publish', b.published_at
  FROM bench_seed b;

INSERT INTO submissions (id, election_id, region, station_number, category_code, description, status,
                         received_at, decided_at, published_at, publish_decision_id, public_location)
SELECT b.submission_id, b.election_id, r.name, b.station::text, s.category,
       CASE WHEN b.in_russian
            THEN s.ru || ', ' || d1.ru || ', ' || d2.ru || '. УИК № ' || b.station
            ELSE s.en || ', ' || d1.en || ', ' || d2.en || '. Polling station ' || b.station END,
       'published', b.published_at - interval '6 hours', b.published_at, b.published_at, b.decision_id,
       CASE WHEN b.location_roll < 0.6 THEN 'rounded' WHEN b.location_roll < 0.85 THEN 'precise' ELSE 'hidden' END
  FROM bench_seed b
  JOIN bench_regions r ON r.idx = b.region_idx
  JOIN bench_subjects s ON s.idx = b.subject_idx
  JOIN bench_details d1 ON d1.idx = b.detail1
  JOIN bench_details d2 ON d2.idx = b.detail2;

INSERT INTO blobs (sha256, bytes, mime, kind)
SELECT b.sha256, CASE WHEN b.is_video THEN 40000000 ELSE 3000000 END,
       CASE WHEN b.is_video THEN 'video/mp4' ELSE 'image/jpeg' END, CASE WHEN b.is_video THEN 'video' ELSE 'image' END
  FROM bench_seed b;

INSERT INTO media_files (id, submission_id, sha256, position, original_name, status, width, height,
                         taken_at_local, taken_at_offset, taken_at_utc, taken_at_source, gps_lat, gps_lon, gps_source,
                         has_thumb, has_preview)
SELECT b.file_id, b.submission_id, b.sha256, 0, CASE WHEN b.is_video THEN 'video.mp4' ELSE 'photo.jpg' END, 'ready', 1920, 1080,
       CASE WHEN b.has_capture_time THEN (b.published_at - b.capture_before) AT TIME ZONE '+03:00' END,
       CASE WHEN b.has_capture_time THEN '+03:00' END,
       CASE WHEN b.has_capture_time THEN b.published_at - b.capture_before END,
       CASE WHEN b.has_capture_time THEN 'ExifIFD:DateTimeOriginal' END,
       CASE WHEN b.has_gps THEN r.lat + b.dlat END, CASE WHEN b.has_gps THEN r.lon + b.dlon END,
       CASE WHEN b.has_gps THEN 'GPS' END,
       true, true
  FROM bench_seed b JOIN bench_regions r ON r.idx = b.region_idx;

SET session_replication_role = origin;
