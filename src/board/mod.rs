//! The Board of Education meeting: the packet of partnership agreements it approves.

pub mod packet;
