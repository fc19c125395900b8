-- A restore lists each replica's originals and forgets the copies the database records for it that
-- it does not hold (lost with the replica, or deleted there): the worker's sweep owes them again.
-- Only the signer role (the worker's, which a restore runs with) removes such a record.
GRANT DELETE ON replica_copies TO svidetel_signer;
