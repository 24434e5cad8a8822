//! Plain types of the seed's four tables (Function, Flow, Task, Edge) plus what PRODUCT.md
//! adds, and their validation. No I/O here.

pub mod actor;
pub mod deploy;
pub mod document;
pub mod edge;
pub mod flow;
pub mod function;
pub mod graph;
pub mod ident;
pub mod ids;
pub mod literal;
pub mod merge;
pub mod mode;
pub mod options;
pub mod run_param;
pub mod sample;
pub mod schedule;
pub mod task;
pub mod template;
pub mod text;
pub mod validate;

pub use actor::Actor;
pub use edge::Edge;
pub use flow::{Flow, FlowSpec};
pub use function::{Function, Param, ParamKind};
pub use literal::Literal;
pub use task::{Input, Mode, Task};
pub use template::StrKind;
pub use validate::{validate, Problem};

#[cfg(test)]
mod tests;
