//! The no_std runtime of the shipped `.wasm`: a panic handler and an allocator.

/// Nothing reachable from JS is meant to panic (every error is a `Result`); should one
/// happen anyway, trapping throws a `RuntimeError` in JS instead of formatting a message.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

// SAFETY: wasm32-unknown-unknown without atomics runs on one thread.
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
