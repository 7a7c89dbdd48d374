-- The name of the file a photo was uploaded or imported from (issue 17: the media library and
-- the editor's photo search find a photo by it), as a sanitised display name such as
-- `harbour-at-dawn.jpg` (media::intake::display_name). NULL for photos kept before this
-- version, whose names were never stored, and when the sender gave none.
ALTER TABLE media ADD COLUMN file_name TEXT;
