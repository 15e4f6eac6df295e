create table if not exists accounts (id int primary key, branch int not null, balance bigint not null);
insert into accounts select g, g % 10, 1000 from generate_series(1, 10000) g on conflict do nothing;
