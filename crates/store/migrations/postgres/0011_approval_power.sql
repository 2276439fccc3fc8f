-- Whether an organisation approves admissions and conversions (审批权, DEV-021): NULL follows
-- the default by type and position in the tree; true or false is set on the organisation.
ALTER TABLE orgs ADD COLUMN approval_power BOOLEAN;
