//! Why a TEE, or the PCCS serving its collateral, did not do what was asked: the error of the
//! TEE backends (`tee`) and of the PCCS client (`pccs`) the backends use.

/// Why the TEE did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum TeeError {
	/// An interface file or socket failed.
	#[error("{what}: {source}")]
	Io {
		/// What was being done.
		what: String,
		/// The underlying error.
		source: std::io::Error,
	},
	/// The TEE answered something unusable.
	#[error("{0}")]
	Protocol(String),
	/// This backend cannot do that here.
	#[error("{0}")]
	Unavailable(String),
}

impl TeeError {
	pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
		let what = what.into();
		move |source| Self::Io { what, source }
	}
}
