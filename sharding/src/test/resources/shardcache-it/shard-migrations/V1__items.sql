-- Unqualified: Flyway runs this with the shard's schema as search_path.
create table items (
  id          bigint primary key,
  shard       int  not null default ${shard},
  schema_name text not null default '${schema}',
  server      text not null default '${server}'
);
