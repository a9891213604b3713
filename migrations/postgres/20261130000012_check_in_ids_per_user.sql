-- A check-in's client id is unique per user, as activity ids are (issue 18): one person
-- reusing another's id must not make that person's check-in fail or be answered with someone
-- else's.
ALTER TABLE check_ins DROP CONSTRAINT check_ins_client_id_key;
CREATE UNIQUE INDEX check_ins_client_id ON check_ins(user_id, client_id);
