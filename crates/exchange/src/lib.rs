//! Spreadsheets in and out: the files party-affairs workers already keep (XLSX, XLS, CSV in
//! UTF-8 or GB18030), read with the same parsers as the web forms.

pub mod compliance;
pub mod development;
pub mod dues;
pub mod export;
pub mod header;
pub mod meetings;
pub mod members;
pub mod orgs;
pub mod stats;
pub mod table;

pub use table::{read_table, Cell, Table, TableError};
