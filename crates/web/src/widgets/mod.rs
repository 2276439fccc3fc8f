//! Pieces that several pages show. Feature modules take them from here, never from each other.

pub mod charts;
pub mod download;
pub mod findings;
pub mod target;
pub mod tree;
