-- 0001: the PSA mirror (with the sync envelope on every table) and the gateway state.
-- Generated once for both dialects from one description; edit both files together.

CREATE TABLE psa_resources (
  rid BIGSERIAL PRIMARY KEY,
  psa_id BIGINT UNIQUE,
  origin SMALLINT NOT NULL DEFAULT 1,
  origin_user_id BIGINT,
  client_uid VARCHAR(255) NOT NULL DEFAULT '',
  psa_stamp TIMESTAMP,
  content_hash VARCHAR(64) NOT NULL DEFAULT '',
  row_version BIGINT NOT NULL DEFAULT 1,
  change_seq BIGINT NOT NULL DEFAULT 0,
  sync_state SMALLINT NOT NULL DEFAULT 0,
  psa_deleted_at TIMESTAMP,
  sweep_gen BIGINT NOT NULL DEFAULT 0,
  fetched_at TIMESTAMP NOT NULL,
  raw JSONB NOT NULL DEFAULT '{}',
  user_name VARCHAR(32) NOT NULL DEFAULT '', email VARCHAR(254) NOT NULL DEFAULT '', email2 VARCHAR(254) NOT NULL DEFAULT '', email3 VARCHAR(254) NOT NULL DEFAULT '',
  first_name VARCHAR(50) NOT NULL DEFAULT '', last_name VARCHAR(50) NOT NULL DEFAULT '', middle_name VARCHAR(50) NOT NULL DEFAULT '', title VARCHAR(50) NOT NULL DEFAULT '',
  is_active BOOLEAN NOT NULL DEFAULT TRUE, license_type INT, resource_type VARCHAR(64) NOT NULL DEFAULT '', office_phone VARCHAR(25) NOT NULL DEFAULT '',
  office_extension VARCHAR(10) NOT NULL DEFAULT '', mobile_phone VARCHAR(25) NOT NULL DEFAULT '', location_id BIGINT
);
--bun:split
CREATE INDEX psa_resources_change_seq ON psa_resources (change_seq);
--bun:split
CREATE INDEX psa_resources_psa_stamp ON psa_resources (psa_stamp);
--bun:split
CREATE INDEX psa_resources_psa_deleted_at ON psa_resources (psa_deleted_at);
--bun:split
CREATE TABLE psa_companies (
  rid BIGSERIAL PRIMARY KEY,
  psa_id BIGINT UNIQUE,
  origin SMALLINT NOT NULL DEFAULT 1,
  origin_user_id BIGINT,
  client_uid VARCHAR(255) NOT NULL DEFAULT '',
  psa_stamp TIMESTAMP,
  content_hash VARCHAR(64) NOT NULL DEFAULT '',
  row_version BIGINT NOT NULL DEFAULT 1,
  change_seq BIGINT NOT NULL DEFAULT 0,
  sync_state SMALLINT NOT NULL DEFAULT 0,
  psa_deleted_at TIMESTAMP,
  sweep_gen BIGINT NOT NULL DEFAULT 0,
  fetched_at TIMESTAMP NOT NULL,
  raw JSONB NOT NULL DEFAULT '{}',
  company_name VARCHAR(100) NOT NULL, company_number VARCHAR(50) NOT NULL DEFAULT '', company_type INT,
  owner_resource_id BIGINT, parent_company_id BIGINT, is_active BOOLEAN NOT NULL DEFAULT TRUE,
  phone VARCHAR(25) NOT NULL DEFAULT '', alternate_phone1 VARCHAR(25) NOT NULL DEFAULT '', alternate_phone2 VARCHAR(25) NOT NULL DEFAULT '',
  fax VARCHAR(25) NOT NULL DEFAULT '', web_address VARCHAR(255) NOT NULL DEFAULT '', address1 VARCHAR(128) NOT NULL DEFAULT '', address2 VARCHAR(128) NOT NULL DEFAULT '',
  additional_address_information VARCHAR(100) NOT NULL DEFAULT '', city VARCHAR(30) NOT NULL DEFAULT '', state VARCHAR(40) NOT NULL DEFAULT '',
  postal_code VARCHAR(10) NOT NULL DEFAULT '', country_id BIGINT, territory_id INT, market_segment_id INT, classification INT,
  create_date TIMESTAMP, last_activity_date TIMESTAMP, last_tracked_modified_date_time TIMESTAMP
);
--bun:split
CREATE INDEX psa_companies_change_seq ON psa_companies (change_seq);
--bun:split
CREATE INDEX psa_companies_psa_stamp ON psa_companies (psa_stamp);
--bun:split
CREATE INDEX psa_companies_psa_deleted_at ON psa_companies (psa_deleted_at);
--bun:split
CREATE INDEX psa_companies_owner_resource_id ON psa_companies (owner_resource_id);
--bun:split
CREATE INDEX psa_companies_lower_company_name ON psa_companies (lower(company_name));
--bun:split
CREATE TABLE psa_company_locations (
  rid BIGSERIAL PRIMARY KEY,
  psa_id BIGINT UNIQUE,
  origin SMALLINT NOT NULL DEFAULT 1,
  origin_user_id BIGINT,
  client_uid VARCHAR(255) NOT NULL DEFAULT '',
  psa_stamp TIMESTAMP,
  content_hash VARCHAR(64) NOT NULL DEFAULT '',
  row_version BIGINT NOT NULL DEFAULT 1,
  change_seq BIGINT NOT NULL DEFAULT 0,
  sync_state SMALLINT NOT NULL DEFAULT 0,
  psa_deleted_at TIMESTAMP,
  sweep_gen BIGINT NOT NULL DEFAULT 0,
  fetched_at TIMESTAMP NOT NULL,
  raw JSONB NOT NULL DEFAULT '{}',
  company_id BIGINT NOT NULL, name VARCHAR(100) NOT NULL DEFAULT '', address1 VARCHAR(128) NOT NULL DEFAULT '', address2 VARCHAR(128) NOT NULL DEFAULT '',
  city VARCHAR(50) NOT NULL DEFAULT '', state VARCHAR(25) NOT NULL DEFAULT '', postal_code VARCHAR(20) NOT NULL DEFAULT '', country_id BIGINT,
  phone VARCHAR(25) NOT NULL DEFAULT '', is_active BOOLEAN NOT NULL DEFAULT TRUE, is_primary BOOLEAN NOT NULL DEFAULT FALSE
);
--bun:split
CREATE INDEX psa_company_locations_change_seq ON psa_company_locations (change_seq);
--bun:split
CREATE INDEX psa_company_locations_psa_stamp ON psa_company_locations (psa_stamp);
--bun:split
CREATE INDEX psa_company_locations_psa_deleted_at ON psa_company_locations (psa_deleted_at);
--bun:split
CREATE INDEX psa_company_locations_company_id ON psa_company_locations (company_id);
--bun:split
CREATE TABLE psa_countries (
  rid BIGSERIAL PRIMARY KEY,
  psa_id BIGINT UNIQUE,
  origin SMALLINT NOT NULL DEFAULT 1,
  origin_user_id BIGINT,
  client_uid VARCHAR(255) NOT NULL DEFAULT '',
  psa_stamp TIMESTAMP,
  content_hash VARCHAR(64) NOT NULL DEFAULT '',
  row_version BIGINT NOT NULL DEFAULT 1,
  change_seq BIGINT NOT NULL DEFAULT 0,
  sync_state SMALLINT NOT NULL DEFAULT 0,
  psa_deleted_at TIMESTAMP,
  sweep_gen BIGINT NOT NULL DEFAULT 0,
  fetched_at TIMESTAMP NOT NULL,
  raw JSONB NOT NULL DEFAULT '{}',
  country_code VARCHAR(2) NOT NULL DEFAULT '', name VARCHAR(50) NOT NULL DEFAULT '', display_name VARCHAR(100) NOT NULL DEFAULT '',
  is_active BOOLEAN NOT NULL DEFAULT TRUE, is_default_country BOOLEAN NOT NULL DEFAULT FALSE
);
--bun:split
CREATE INDEX psa_countries_change_seq ON psa_countries (change_seq);
--bun:split
CREATE INDEX psa_countries_psa_stamp ON psa_countries (psa_stamp);
--bun:split
CREATE INDEX psa_countries_psa_deleted_at ON psa_countries (psa_deleted_at);
--bun:split
CREATE TABLE psa_contacts (
  rid BIGSERIAL PRIMARY KEY,
  psa_id BIGINT UNIQUE,
  origin SMALLINT NOT NULL DEFAULT 1,
  origin_user_id BIGINT,
  client_uid VARCHAR(255) NOT NULL DEFAULT '',
  psa_stamp TIMESTAMP,
  content_hash VARCHAR(64) NOT NULL DEFAULT '',
  row_version BIGINT NOT NULL DEFAULT 1,
  change_seq BIGINT NOT NULL DEFAULT 0,
  sync_state SMALLINT NOT NULL DEFAULT 0,
  psa_deleted_at TIMESTAMP,
  sweep_gen BIGINT NOT NULL DEFAULT 0,
  fetched_at TIMESTAMP NOT NULL,
  raw JSONB NOT NULL DEFAULT '{}',
  company_id BIGINT NOT NULL, company_location_id BIGINT, is_active SMALLINT NOT NULL DEFAULT 1,
  first_name VARCHAR(50) NOT NULL DEFAULT '', last_name VARCHAR(50) NOT NULL DEFAULT '', middle_initial VARCHAR(50) NOT NULL DEFAULT '',
  name_prefix INT, name_suffix INT, title VARCHAR(50) NOT NULL DEFAULT '',
  email_address VARCHAR(254) NOT NULL DEFAULT '', email_address2 VARCHAR(254) NOT NULL DEFAULT '', email_address3 VARCHAR(254) NOT NULL DEFAULT '',
  phone VARCHAR(25) NOT NULL DEFAULT '', extension VARCHAR(10) NOT NULL DEFAULT '', alternate_phone VARCHAR(32) NOT NULL DEFAULT '',
  mobile_phone VARCHAR(25) NOT NULL DEFAULT '', fax_number VARCHAR(25) NOT NULL DEFAULT '',
  address_line VARCHAR(128) NOT NULL DEFAULT '', address_line1 VARCHAR(128) NOT NULL DEFAULT '', additional_address_information VARCHAR(100) NOT NULL DEFAULT '',
  city VARCHAR(32) NOT NULL DEFAULT '', state VARCHAR(40) NOT NULL DEFAULT '', zip_code VARCHAR(16) NOT NULL DEFAULT '', country_id BIGINT,
  room_number VARCHAR(50) NOT NULL DEFAULT '', note VARCHAR(50) NOT NULL DEFAULT '', external_id VARCHAR(50) NOT NULL DEFAULT '',
  facebook_url VARCHAR(200) NOT NULL DEFAULT '', linked_in_url VARCHAR(200) NOT NULL DEFAULT '', twitter_url VARCHAR(200) NOT NULL DEFAULT '',
  primary_contact BOOLEAN NOT NULL DEFAULT FALSE, create_date TIMESTAMP, last_activity_date TIMESTAMP, last_modified_date TIMESTAMP,
  photo TEXT NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX psa_contacts_change_seq ON psa_contacts (change_seq);
--bun:split
CREATE INDEX psa_contacts_psa_stamp ON psa_contacts (psa_stamp);
--bun:split
CREATE INDEX psa_contacts_psa_deleted_at ON psa_contacts (psa_deleted_at);
--bun:split
CREATE INDEX psa_contacts_company_id ON psa_contacts (company_id);
--bun:split
CREATE INDEX psa_contacts_is_active ON psa_contacts (is_active);
--bun:split
CREATE INDEX psa_contacts_last_name_first_name ON psa_contacts (last_name, first_name);
--bun:split
CREATE INDEX psa_contacts_country_id ON psa_contacts (country_id);
--bun:split
CREATE TABLE psa_company_notes (
  rid BIGSERIAL PRIMARY KEY,
  psa_id BIGINT UNIQUE,
  origin SMALLINT NOT NULL DEFAULT 1,
  origin_user_id BIGINT,
  client_uid VARCHAR(255) NOT NULL DEFAULT '',
  psa_stamp TIMESTAMP,
  content_hash VARCHAR(64) NOT NULL DEFAULT '',
  row_version BIGINT NOT NULL DEFAULT 1,
  change_seq BIGINT NOT NULL DEFAULT 0,
  sync_state SMALLINT NOT NULL DEFAULT 0,
  psa_deleted_at TIMESTAMP,
  sweep_gen BIGINT NOT NULL DEFAULT 0,
  fetched_at TIMESTAMP NOT NULL,
  raw JSONB NOT NULL DEFAULT '{}',
  company_id BIGINT NOT NULL, contact_id BIGINT, action_type INT, title VARCHAR(250) NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '',
  create_date_time TIMESTAMP, last_modified_date TIMESTAMP
);
--bun:split
CREATE INDEX psa_company_notes_change_seq ON psa_company_notes (change_seq);
--bun:split
CREATE INDEX psa_company_notes_psa_stamp ON psa_company_notes (psa_stamp);
--bun:split
CREATE INDEX psa_company_notes_psa_deleted_at ON psa_company_notes (psa_deleted_at);
--bun:split
CREATE INDEX psa_company_notes_contact_id ON psa_company_notes (contact_id);
--bun:split
CREATE TABLE psa_opportunities (
  rid BIGSERIAL PRIMARY KEY,
  psa_id BIGINT UNIQUE,
  origin SMALLINT NOT NULL DEFAULT 1,
  origin_user_id BIGINT,
  client_uid VARCHAR(255) NOT NULL DEFAULT '',
  psa_stamp TIMESTAMP,
  content_hash VARCHAR(64) NOT NULL DEFAULT '',
  row_version BIGINT NOT NULL DEFAULT 1,
  change_seq BIGINT NOT NULL DEFAULT 0,
  sync_state SMALLINT NOT NULL DEFAULT 0,
  psa_deleted_at TIMESTAMP,
  sweep_gen BIGINT NOT NULL DEFAULT 0,
  fetched_at TIMESTAMP NOT NULL,
  raw JSONB NOT NULL DEFAULT '{}',
  company_id BIGINT NOT NULL, contact_id BIGINT, owner_resource_id BIGINT NOT NULL, status INT NOT NULL, stage INT,
  title VARCHAR(128) NOT NULL DEFAULT '', projected_close_date TIMESTAMP, closed_date TIMESTAMP, create_date TIMESTAMP, last_activity TIMESTAMP
);
--bun:split
CREATE INDEX psa_opportunities_change_seq ON psa_opportunities (change_seq);
--bun:split
CREATE INDEX psa_opportunities_psa_stamp ON psa_opportunities (psa_stamp);
--bun:split
CREATE INDEX psa_opportunities_psa_deleted_at ON psa_opportunities (psa_deleted_at);
--bun:split
CREATE INDEX psa_opportunities_company_id ON psa_opportunities (company_id);
--bun:split
CREATE INDEX psa_opportunities_owner_resource_id ON psa_opportunities (owner_resource_id);
--bun:split
CREATE TABLE psa_action_types (
  rid BIGSERIAL PRIMARY KEY,
  psa_id BIGINT UNIQUE,
  origin SMALLINT NOT NULL DEFAULT 1,
  origin_user_id BIGINT,
  client_uid VARCHAR(255) NOT NULL DEFAULT '',
  psa_stamp TIMESTAMP,
  content_hash VARCHAR(64) NOT NULL DEFAULT '',
  row_version BIGINT NOT NULL DEFAULT 1,
  change_seq BIGINT NOT NULL DEFAULT 0,
  sync_state SMALLINT NOT NULL DEFAULT 0,
  psa_deleted_at TIMESTAMP,
  sweep_gen BIGINT NOT NULL DEFAULT 0,
  fetched_at TIMESTAMP NOT NULL,
  raw JSONB NOT NULL DEFAULT '{}',
  name VARCHAR(32) NOT NULL, view_code INT NOT NULL, is_active BOOLEAN NOT NULL DEFAULT TRUE, is_system_action_type BOOLEAN NOT NULL DEFAULT FALSE
);
--bun:split
CREATE INDEX psa_action_types_change_seq ON psa_action_types (change_seq);
--bun:split
CREATE INDEX psa_action_types_psa_stamp ON psa_action_types (psa_stamp);
--bun:split
CREATE INDEX psa_action_types_psa_deleted_at ON psa_action_types (psa_deleted_at);
--bun:split
CREATE TABLE psa_todos (
  rid BIGSERIAL PRIMARY KEY,
  psa_id BIGINT UNIQUE,
  origin SMALLINT NOT NULL DEFAULT 1,
  origin_user_id BIGINT,
  client_uid VARCHAR(255) NOT NULL DEFAULT '',
  psa_stamp TIMESTAMP,
  content_hash VARCHAR(64) NOT NULL DEFAULT '',
  row_version BIGINT NOT NULL DEFAULT 1,
  change_seq BIGINT NOT NULL DEFAULT 0,
  sync_state SMALLINT NOT NULL DEFAULT 0,
  psa_deleted_at TIMESTAMP,
  sweep_gen BIGINT NOT NULL DEFAULT 0,
  fetched_at TIMESTAMP NOT NULL,
  raw JSONB NOT NULL DEFAULT '{}',
  company_id BIGINT NOT NULL, action_type INT NOT NULL, activity_description TEXT NOT NULL DEFAULT '',
  assigned_to_resource_id BIGINT NOT NULL, contact_id BIGINT, contract_id BIGINT, opportunity_id BIGINT, ticket_id BIGINT,
  start_date_time TIMESTAMP NOT NULL, end_date_time TIMESTAMP NOT NULL, completed_date TIMESTAMP, creator_resource_id BIGINT,
  create_date_time TIMESTAMP, last_modified_date TIMESTAMP
);
--bun:split
CREATE INDEX psa_todos_change_seq ON psa_todos (change_seq);
--bun:split
CREATE INDEX psa_todos_psa_stamp ON psa_todos (psa_stamp);
--bun:split
CREATE INDEX psa_todos_psa_deleted_at ON psa_todos (psa_deleted_at);
--bun:split
CREATE INDEX psa_todos_assigned_to_resource_id_start_date_time ON psa_todos (assigned_to_resource_id, start_date_time);
--bun:split
CREATE INDEX psa_todos_action_type ON psa_todos (action_type);
--bun:split
CREATE INDEX psa_todos_company_id ON psa_todos (company_id);
--bun:split
CREATE TABLE psa_appointments (
  rid BIGSERIAL PRIMARY KEY,
  psa_id BIGINT UNIQUE,
  origin SMALLINT NOT NULL DEFAULT 1,
  origin_user_id BIGINT,
  client_uid VARCHAR(255) NOT NULL DEFAULT '',
  psa_stamp TIMESTAMP,
  content_hash VARCHAR(64) NOT NULL DEFAULT '',
  row_version BIGINT NOT NULL DEFAULT 1,
  change_seq BIGINT NOT NULL DEFAULT 0,
  sync_state SMALLINT NOT NULL DEFAULT 0,
  psa_deleted_at TIMESTAMP,
  sweep_gen BIGINT NOT NULL DEFAULT 0,
  fetched_at TIMESTAMP NOT NULL,
  raw JSONB NOT NULL DEFAULT '{}',
  resource_id BIGINT NOT NULL, title VARCHAR(256) NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '',
  start_date_time TIMESTAMP NOT NULL, end_date_time TIMESTAMP NOT NULL, creator_resource_id BIGINT,
  create_date_time TIMESTAMP, update_date_time TIMESTAMP
);
--bun:split
CREATE INDEX psa_appointments_change_seq ON psa_appointments (change_seq);
--bun:split
CREATE INDEX psa_appointments_psa_stamp ON psa_appointments (psa_stamp);
--bun:split
CREATE INDEX psa_appointments_psa_deleted_at ON psa_appointments (psa_deleted_at);
--bun:split
CREATE INDEX psa_appointments_resource_id_start_date_time ON psa_appointments (resource_id, start_date_time);
--bun:split
CREATE INDEX psa_appointments_end_date_time ON psa_appointments (end_date_time);
--bun:split
CREATE TABLE psa_service_calls (
  rid BIGSERIAL PRIMARY KEY,
  psa_id BIGINT UNIQUE,
  origin SMALLINT NOT NULL DEFAULT 1,
  origin_user_id BIGINT,
  client_uid VARCHAR(255) NOT NULL DEFAULT '',
  psa_stamp TIMESTAMP,
  content_hash VARCHAR(64) NOT NULL DEFAULT '',
  row_version BIGINT NOT NULL DEFAULT 1,
  change_seq BIGINT NOT NULL DEFAULT 0,
  sync_state SMALLINT NOT NULL DEFAULT 0,
  psa_deleted_at TIMESTAMP,
  sweep_gen BIGINT NOT NULL DEFAULT 0,
  fetched_at TIMESTAMP NOT NULL,
  raw JSONB NOT NULL DEFAULT '{}',
  company_id BIGINT NOT NULL, company_location_id BIGINT, description VARCHAR(2000) NOT NULL DEFAULT '',
  start_date_time TIMESTAMP NOT NULL, end_date_time TIMESTAMP NOT NULL, duration NUMERIC(12,4), status INT, is_complete SMALLINT NOT NULL DEFAULT 0,
  canceled_by_resource_id BIGINT, canceled_date_time TIMESTAMP, cancelation_notice_hours NUMERIC(12,4), creator_resource_id BIGINT,
  create_date_time TIMESTAMP, last_modified_date_time TIMESTAMP
);
--bun:split
CREATE INDEX psa_service_calls_change_seq ON psa_service_calls (change_seq);
--bun:split
CREATE INDEX psa_service_calls_psa_stamp ON psa_service_calls (psa_stamp);
--bun:split
CREATE INDEX psa_service_calls_psa_deleted_at ON psa_service_calls (psa_deleted_at);
--bun:split
CREATE INDEX psa_service_calls_start_date_time ON psa_service_calls (start_date_time);
--bun:split
CREATE INDEX psa_service_calls_end_date_time ON psa_service_calls (end_date_time);
--bun:split
CREATE INDEX psa_service_calls_company_id ON psa_service_calls (company_id);
--bun:split
CREATE INDEX psa_service_calls_company_location_id ON psa_service_calls (company_location_id);
--bun:split
CREATE TABLE psa_service_call_tickets (
  rid BIGSERIAL PRIMARY KEY,
  psa_id BIGINT UNIQUE,
  origin SMALLINT NOT NULL DEFAULT 1,
  origin_user_id BIGINT,
  client_uid VARCHAR(255) NOT NULL DEFAULT '',
  psa_stamp TIMESTAMP,
  content_hash VARCHAR(64) NOT NULL DEFAULT '',
  row_version BIGINT NOT NULL DEFAULT 1,
  change_seq BIGINT NOT NULL DEFAULT 0,
  sync_state SMALLINT NOT NULL DEFAULT 0,
  psa_deleted_at TIMESTAMP,
  sweep_gen BIGINT NOT NULL DEFAULT 0,
  fetched_at TIMESTAMP NOT NULL,
  raw JSONB NOT NULL DEFAULT '{}',
  service_call_id BIGINT NOT NULL, ticket_id BIGINT NOT NULL
);
--bun:split
CREATE INDEX psa_service_call_tickets_change_seq ON psa_service_call_tickets (change_seq);
--bun:split
CREATE INDEX psa_service_call_tickets_psa_stamp ON psa_service_call_tickets (psa_stamp);
--bun:split
CREATE INDEX psa_service_call_tickets_psa_deleted_at ON psa_service_call_tickets (psa_deleted_at);
--bun:split
CREATE INDEX psa_service_call_tickets_service_call_id ON psa_service_call_tickets (service_call_id);
--bun:split
CREATE INDEX psa_service_call_tickets_ticket_id ON psa_service_call_tickets (ticket_id);
--bun:split
CREATE TABLE psa_service_call_ticket_resources (
  rid BIGSERIAL PRIMARY KEY,
  psa_id BIGINT UNIQUE,
  origin SMALLINT NOT NULL DEFAULT 1,
  origin_user_id BIGINT,
  client_uid VARCHAR(255) NOT NULL DEFAULT '',
  psa_stamp TIMESTAMP,
  content_hash VARCHAR(64) NOT NULL DEFAULT '',
  row_version BIGINT NOT NULL DEFAULT 1,
  change_seq BIGINT NOT NULL DEFAULT 0,
  sync_state SMALLINT NOT NULL DEFAULT 0,
  psa_deleted_at TIMESTAMP,
  sweep_gen BIGINT NOT NULL DEFAULT 0,
  fetched_at TIMESTAMP NOT NULL,
  raw JSONB NOT NULL DEFAULT '{}',
  service_call_ticket_id BIGINT NOT NULL, resource_id BIGINT NOT NULL
);
--bun:split
CREATE INDEX psa_service_call_ticket_resources_change_seq ON psa_service_call_ticket_resources (change_seq);
--bun:split
CREATE INDEX psa_service_call_ticket_resources_psa_stamp ON psa_service_call_ticket_resources (psa_stamp);
--bun:split
CREATE INDEX psa_service_call_ticket_resources_psa_deleted_at ON psa_service_call_ticket_resources (psa_deleted_at);
--bun:split
CREATE INDEX psa_service_call_ticket_resources_service_call_ticket_id ON psa_service_call_ticket_resources (service_call_ticket_id);
--bun:split
CREATE INDEX psa_service_call_ticket_resources_resource_id ON psa_service_call_ticket_resources (resource_id);
--bun:split
CREATE TABLE psa_service_call_tasks (
  rid BIGSERIAL PRIMARY KEY,
  psa_id BIGINT UNIQUE,
  origin SMALLINT NOT NULL DEFAULT 1,
  origin_user_id BIGINT,
  client_uid VARCHAR(255) NOT NULL DEFAULT '',
  psa_stamp TIMESTAMP,
  content_hash VARCHAR(64) NOT NULL DEFAULT '',
  row_version BIGINT NOT NULL DEFAULT 1,
  change_seq BIGINT NOT NULL DEFAULT 0,
  sync_state SMALLINT NOT NULL DEFAULT 0,
  psa_deleted_at TIMESTAMP,
  sweep_gen BIGINT NOT NULL DEFAULT 0,
  fetched_at TIMESTAMP NOT NULL,
  raw JSONB NOT NULL DEFAULT '{}',
  service_call_id BIGINT NOT NULL, task_id BIGINT NOT NULL
);
--bun:split
CREATE INDEX psa_service_call_tasks_change_seq ON psa_service_call_tasks (change_seq);
--bun:split
CREATE INDEX psa_service_call_tasks_psa_stamp ON psa_service_call_tasks (psa_stamp);
--bun:split
CREATE INDEX psa_service_call_tasks_psa_deleted_at ON psa_service_call_tasks (psa_deleted_at);
--bun:split
CREATE INDEX psa_service_call_tasks_service_call_id ON psa_service_call_tasks (service_call_id);
--bun:split
CREATE INDEX psa_service_call_tasks_task_id ON psa_service_call_tasks (task_id);
--bun:split
CREATE TABLE psa_service_call_task_resources (
  rid BIGSERIAL PRIMARY KEY,
  psa_id BIGINT UNIQUE,
  origin SMALLINT NOT NULL DEFAULT 1,
  origin_user_id BIGINT,
  client_uid VARCHAR(255) NOT NULL DEFAULT '',
  psa_stamp TIMESTAMP,
  content_hash VARCHAR(64) NOT NULL DEFAULT '',
  row_version BIGINT NOT NULL DEFAULT 1,
  change_seq BIGINT NOT NULL DEFAULT 0,
  sync_state SMALLINT NOT NULL DEFAULT 0,
  psa_deleted_at TIMESTAMP,
  sweep_gen BIGINT NOT NULL DEFAULT 0,
  fetched_at TIMESTAMP NOT NULL,
  raw JSONB NOT NULL DEFAULT '{}',
  service_call_task_id BIGINT NOT NULL, resource_id BIGINT NOT NULL
);
--bun:split
CREATE INDEX psa_service_call_task_resources_change_seq ON psa_service_call_task_resources (change_seq);
--bun:split
CREATE INDEX psa_service_call_task_resources_psa_stamp ON psa_service_call_task_resources (psa_stamp);
--bun:split
CREATE INDEX psa_service_call_task_resources_psa_deleted_at ON psa_service_call_task_resources (psa_deleted_at);
--bun:split
CREATE INDEX psa_service_call_task_resources_service_call_task_id ON psa_service_call_task_resources (service_call_task_id);
--bun:split
CREATE INDEX psa_service_call_task_resources_resource_id ON psa_service_call_task_resources (resource_id);
--bun:split
CREATE TABLE psa_tickets_brief (
  rid BIGSERIAL PRIMARY KEY,
  psa_id BIGINT UNIQUE,
  origin SMALLINT NOT NULL DEFAULT 1,
  origin_user_id BIGINT,
  client_uid VARCHAR(255) NOT NULL DEFAULT '',
  psa_stamp TIMESTAMP,
  content_hash VARCHAR(64) NOT NULL DEFAULT '',
  row_version BIGINT NOT NULL DEFAULT 1,
  change_seq BIGINT NOT NULL DEFAULT 0,
  sync_state SMALLINT NOT NULL DEFAULT 0,
  psa_deleted_at TIMESTAMP,
  sweep_gen BIGINT NOT NULL DEFAULT 0,
  fetched_at TIMESTAMP NOT NULL,
  raw JSONB NOT NULL DEFAULT '{}',
  ticket_number VARCHAR(50) NOT NULL DEFAULT '', title VARCHAR(255) NOT NULL DEFAULT '', company_id BIGINT, status INT, last_activity_date TIMESTAMP
);
--bun:split
CREATE INDEX psa_tickets_brief_change_seq ON psa_tickets_brief (change_seq);
--bun:split
CREATE INDEX psa_tickets_brief_psa_stamp ON psa_tickets_brief (psa_stamp);
--bun:split
CREATE INDEX psa_tickets_brief_psa_deleted_at ON psa_tickets_brief (psa_deleted_at);
--bun:split
CREATE TABLE psa_tasks_brief (
  rid BIGSERIAL PRIMARY KEY,
  psa_id BIGINT UNIQUE,
  origin SMALLINT NOT NULL DEFAULT 1,
  origin_user_id BIGINT,
  client_uid VARCHAR(255) NOT NULL DEFAULT '',
  psa_stamp TIMESTAMP,
  content_hash VARCHAR(64) NOT NULL DEFAULT '',
  row_version BIGINT NOT NULL DEFAULT 1,
  change_seq BIGINT NOT NULL DEFAULT 0,
  sync_state SMALLINT NOT NULL DEFAULT 0,
  psa_deleted_at TIMESTAMP,
  sweep_gen BIGINT NOT NULL DEFAULT 0,
  fetched_at TIMESTAMP NOT NULL,
  raw JSONB NOT NULL DEFAULT '{}',
  title VARCHAR(255) NOT NULL DEFAULT '', project_id BIGINT, status INT, last_activity_date_time TIMESTAMP
);
--bun:split
CREATE INDEX psa_tasks_brief_change_seq ON psa_tasks_brief (change_seq);
--bun:split
CREATE INDEX psa_tasks_brief_psa_stamp ON psa_tasks_brief (psa_stamp);
--bun:split
CREATE INDEX psa_tasks_brief_psa_deleted_at ON psa_tasks_brief (psa_deleted_at);
--bun:split
CREATE TABLE psa_time_off_requests (
  rid BIGSERIAL PRIMARY KEY,
  psa_id BIGINT UNIQUE,
  origin SMALLINT NOT NULL DEFAULT 1,
  origin_user_id BIGINT,
  client_uid VARCHAR(255) NOT NULL DEFAULT '',
  psa_stamp TIMESTAMP,
  content_hash VARCHAR(64) NOT NULL DEFAULT '',
  row_version BIGINT NOT NULL DEFAULT 1,
  change_seq BIGINT NOT NULL DEFAULT 0,
  sync_state SMALLINT NOT NULL DEFAULT 0,
  psa_deleted_at TIMESTAMP,
  sweep_gen BIGINT NOT NULL DEFAULT 0,
  fetched_at TIMESTAMP NOT NULL,
  raw JSONB NOT NULL DEFAULT '{}',
  resource_id BIGINT NOT NULL, request_date TIMESTAMP NOT NULL, start_time TIMESTAMP, end_time TIMESTAMP,
  hours NUMERIC(8,2) NOT NULL DEFAULT 0, status INT NOT NULL, time_off_request_type INT, reason TEXT NOT NULL DEFAULT '', reject_reason TEXT NOT NULL DEFAULT '',
  last_approved_level INT, approved_date_time TIMESTAMP, create_date_time TIMESTAMP, last_modified_date_time TIMESTAMP
);
--bun:split
CREATE INDEX psa_time_off_requests_change_seq ON psa_time_off_requests (change_seq);
--bun:split
CREATE INDEX psa_time_off_requests_psa_stamp ON psa_time_off_requests (psa_stamp);
--bun:split
CREATE INDEX psa_time_off_requests_psa_deleted_at ON psa_time_off_requests (psa_deleted_at);
--bun:split
CREATE INDEX psa_time_off_requests_resource_id_request_date ON psa_time_off_requests (resource_id, request_date);
--bun:split
CREATE TABLE psa_field_info (
  entity VARCHAR(64) NOT NULL, field VARCHAR(64) NOT NULL, data_type VARCHAR(32) NOT NULL DEFAULT '',
  length INT NOT NULL DEFAULT 0, is_required BOOLEAN NOT NULL DEFAULT FALSE, is_read_only BOOLEAN NOT NULL DEFAULT FALSE,
  is_queryable BOOLEAN NOT NULL DEFAULT TRUE, is_picklist BOOLEAN NOT NULL DEFAULT FALSE, reference_entity VARCHAR(64) NOT NULL DEFAULT '',
  is_udf BOOLEAN NOT NULL DEFAULT FALSE, fetched_at TIMESTAMP NOT NULL,
  PRIMARY KEY (entity, field)
);
--bun:split
CREATE TABLE psa_picklist (
  entity VARCHAR(64) NOT NULL, field VARCHAR(64) NOT NULL, value VARCHAR(64) NOT NULL, label VARCHAR(255) NOT NULL DEFAULT '',
  is_active BOOLEAN NOT NULL DEFAULT TRUE, is_system BOOLEAN NOT NULL DEFAULT FALSE, is_default BOOLEAN NOT NULL DEFAULT FALSE,
  sort_order INT NOT NULL DEFAULT 0, parent_value VARCHAR(64) NOT NULL DEFAULT '',
  PRIMARY KEY (entity, field, value)
);
--bun:split
CREATE TABLE accounts (
  id BIGSERIAL PRIMARY KEY,
  login VARCHAR(64) NOT NULL UNIQUE,
  password_hash VARCHAR(255) NOT NULL,
  resource_id BIGINT,
  enabled BOOLEAN NOT NULL DEFAULT TRUE,
  created_at TIMESTAMP NOT NULL,
  last_login_at TIMESTAMP
);
--bun:split
CREATE TABLE user_settings (
  user_id BIGINT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
  contacts_scope VARCHAR(8) NOT NULL DEFAULT 'mine',
  all_contacts BOOLEAN NOT NULL DEFAULT FALSE,
  calendar BOOLEAN NOT NULL DEFAULT TRUE,
  tasks BOOLEAN NOT NULL DEFAULT TRUE,
  time_zone VARCHAR(64) NOT NULL DEFAULT 'UTC'
);
--bun:split
CREATE TABLE org_settings (
  key VARCHAR(64) PRIMARY KEY,
  value TEXT NOT NULL
);
--bun:split
CREATE TABLE change_counter (
  id INT PRIMARY KEY,
  value BIGINT NOT NULL,
  low_water BIGINT NOT NULL,
  accounts_version BIGINT NOT NULL DEFAULT 0
);
--bun:split
INSERT INTO change_counter (id, value, low_water, accounts_version) VALUES (1, 0, 0, 0);
--bun:split
CREATE TABLE dav_collections (
  id BIGSERIAL PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name VARCHAR(32) NOT NULL,
  min_token BIGINT NOT NULL DEFAULT 0,
  UNIQUE (user_id, name)
);
--bun:split
CREATE TABLE dav_props (
  user_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  resource VARCHAR(64) NOT NULL,
  ns VARCHAR(255) NOT NULL,
  name VARCHAR(255) NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (user_id, resource, ns, name)
);
--bun:split
CREATE TABLE dav_objects (
  id BIGSERIAL PRIMARY KEY,
  collection_id BIGINT NOT NULL REFERENCES dav_collections(id) ON DELETE CASCADE,
  href VARCHAR(255) NOT NULL,
  uid VARCHAR(255) NOT NULL DEFAULT '',
  etag VARCHAR(64) NOT NULL DEFAULT '',
  comp VARCHAR(16) NOT NULL DEFAULT '',
  body BYTEA,
  size BIGINT NOT NULL DEFAULT 0,
  change_seq BIGINT NOT NULL,
  source_entity VARCHAR(64) NOT NULL,
  source_rid BIGINT NOT NULL,
  deleted BOOLEAN NOT NULL DEFAULT FALSE,
  read_only BOOLEAN NOT NULL DEFAULT FALSE,
  time_start BIGINT,
  time_end BIGINT,
  modified_at TIMESTAMP NOT NULL,
  UNIQUE (collection_id, href)
);
--bun:split
CREATE INDEX dav_objects_changes ON dav_objects (collection_id, change_seq);
--bun:split
CREATE INDEX dav_objects_source ON dav_objects (source_entity, source_rid);
--bun:split
CREATE INDEX dav_objects_uid ON dav_objects (collection_id, uid);
--bun:split
CREATE INDEX dav_objects_time ON dav_objects (collection_id, time_start);
--bun:split
CREATE TABLE kept_props (
  collection_id BIGINT NOT NULL REFERENCES dav_collections(id) ON DELETE CASCADE,
  source_entity VARCHAR(64) NOT NULL,
  source_rid BIGINT NOT NULL,
  data TEXT NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  PRIMARY KEY (collection_id, source_entity, source_rid)
);
--bun:split
CREATE TABLE hidden_items (
  collection_id BIGINT NOT NULL REFERENCES dav_collections(id) ON DELETE CASCADE,
  source_entity VARCHAR(64) NOT NULL,
  source_rid BIGINT NOT NULL,
  hidden_at TIMESTAMP NOT NULL,
  PRIMARY KEY (collection_id, source_entity, source_rid)
);
--bun:split
CREATE TABLE outbox (
  id BIGSERIAL PRIMARY KEY,
  entity VARCHAR(64) NOT NULL,
  rid BIGINT NOT NULL,
  op SMALLINT NOT NULL,
  field_mask TEXT NOT NULL DEFAULT '',
  payload TEXT NOT NULL DEFAULT '{}',
  base_stamp TIMESTAMP,
  as_resource_id BIGINT,
  user_id BIGINT,
  state SMALLINT NOT NULL DEFAULT 0,
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_at TIMESTAMP NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
--bun:split
CREATE INDEX outbox_row ON outbox (entity, rid);
