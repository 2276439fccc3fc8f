-- The collection of a month across a subtree reads payments by month.
CREATE INDEX dues_payments_month ON dues_payments (month, member_id);
