//! The terminal UI (Elm style: model, messages, update, view, effects). (Skeleton.)
