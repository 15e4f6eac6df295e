-- The DDL first, the failure after it: a failing shard must keep no trace of the column.
alter table items add column note text;

do $$
begin
  if '${fail_on_shard}' = '${shard}' then
    raise exception 'V2 refuses logical shard ${shard} (fail_on_shard=${fail_on_shard})';
  end if;
end
$$;
