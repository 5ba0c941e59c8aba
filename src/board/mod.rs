//! The Board of Education: which meeting hears of each partnership, the agenda
//! attachment's fields, and the packet of agreements the Board approves.

pub mod agenda;
pub mod packet;
pub mod schedule;

pub use schedule::{schedule, BoardItem, Meeting, Schedule, Section};
