-- A photo's credit exactly as the agency prints it (issue 16): `© REUTERS / Bandar
-- Algaloud/Courtesy of Saudi Royal Court` does not always follow the composed
-- `© AGENCY / Photographer / Courtesy of X`. Empty: the line is composed from the parts as
-- before. Kept in step with the other backend's 0018_credit_as_printed.sql.
ALTER TABLE media ADD COLUMN credit_printed TEXT NOT NULL DEFAULT '';
