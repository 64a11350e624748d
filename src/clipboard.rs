//! Copying to the user's clipboard: system (arboard) or OSC 52, with auto-clear. (Skeleton.)
