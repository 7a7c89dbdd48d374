-- The station's weekly schedule of programmes (issue 5), shown on /live/. Kept column for
-- column in step with ../postgres/0005_live_schedule.sql.
--
-- Times are local wall-clock times in the site's time zone, as "HH:MM" text: a programme that
-- starts at 07:00 does so in winter and in summer. `days` is a bit set, Monday the lowest bit.
-- An end at or before the start means the programme runs past midnight.

CREATE TABLE live_programmes (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    presenter   TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    days        INTEGER NOT NULL,
    starts      TEXT NOT NULL,
    ends        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
