#!/bin/sh
# Runs once, when the PostgreSQL volume is first initialised (docker-entrypoint-initdb.d): creates the
# application's login role (the API's) with the password from APP_DB_PASSWORD, and the signer's (the
# worker's) with SIGNER_DB_PASSWORD. It owns nothing and can bypass
# nothing; the migrate service (as the owner, POSTGRES_USER) grants it what the application needs.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -v pw="$APP_DB_PASSWORD" -v signer_pw="$SIGNER_DB_PASSWORD" <<'SQL'
CREATE ROLE svidetel_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'pw';
CREATE ROLE svidetel_signer LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'signer_pw';
SQL
