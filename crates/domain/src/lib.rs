//! Pure domain types and rules of Xianfeng: no I/O, no SQL, no HTTP.
//!
//! Input is parsed into these types at the edge (web forms, JSON, spreadsheets, command line);
//! past that line a value that exists is valid.

pub mod clock;
pub mod contact;
pub mod dates;
pub mod development;
pub mod dues;
pub mod idnum;
pub mod life;
pub mod members;
pub mod org;
pub mod password;
pub mod phone;
pub mod reports;
pub mod rules;
pub mod scope;
pub mod stats;
pub mod text;

pub use clock::Clock;
pub use dates::{parse_date, parse_year_month, DateError};
pub use idnum::{Gender, IdError, IdNumber};
pub use phone::{Phone, PhoneError};
