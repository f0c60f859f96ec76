//! The crate's one macro.

/// Builder-style setters: each entry becomes
/// `pub fn name(mut self, arg: Type) -> Self { self.field = value; self }`,
/// with the entry's doc comment.
///
/// ```ignore
/// setters! {
///     /// Sets the wait between rounds.
///     with_interval(interval: Duration) => interval = interval;
/// }
/// ```
macro_rules! setters {
    ($( $(#[$attr:meta])* $name:ident($arg:ident: $ty:ty) => $field:ident = $value:expr; )*) => {
        $(
            $(#[$attr])*
            pub fn $name(mut self, $arg: $ty) -> Self {
                self.$field = $value;
                self
            }
        )*
    };
}
