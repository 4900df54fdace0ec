-- Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d/).
-- One database per service (DESIGN §1). `continuum migrate` would also create any that is missing.
CREATE DATABASE continuum_project;
CREATE DATABASE continuum_service;
CREATE DATABASE continuum_handover;
CREATE DATABASE continuum_metrics;
