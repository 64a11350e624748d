//! The headless commands (design section 4), each a thin layer over `portal`. (Skeleton.)
