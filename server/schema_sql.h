/* schema_sql.h - the migrations of schema/, embedded at build time. */
#ifndef SCHEMA_SQL_H
#define SCHEMA_SQL_H

struct schema_migration {
	int version;       /* NNNN of the file name; the file sets user_version to it */
	const char *name;  /* file name, for messages */
	const char *sql;   /* the file's text */
};

/* In ascending version order; static storage. */
extern const struct schema_migration schema_migrations[];
extern const int schema_migration_count;

#endif
