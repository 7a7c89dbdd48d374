-- Reply mail (issue 18; store/src/reply_mail.rs, docs/discussion.md "Email"): a reader may ask
-- to be mailed when someone replies to one of their comments. Kept column for column in step
-- with ../sqlite/0021_reply_mail.sql. Times are microseconds since the Unix epoch, UTC.

-- The readers who asked (opt-in: no row, no mail), since when. Goes with the reader.
CREATE TABLE reader_reply_mail (
    reader_id BIGINT PRIMARY KEY REFERENCES readers (id) ON DELETE CASCADE,
    since     BIGINT NOT NULL
);

-- The replies whose mail was taken for sending: a row is made before the message goes, so a
-- reply approved, rejected and approved again, or a job run twice, mails once at most.
CREATE TABLE reply_mails_sent (
    comment_id BIGINT PRIMARY KEY REFERENCES comments (id) ON DELETE CASCADE,
    sent_at    BIGINT NOT NULL
);
