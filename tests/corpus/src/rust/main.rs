// sleepy: Rust's std::thread::sleep and std::time::Instant under WASI preview 1 (wasm32-wasi).
//
//   sleepy
//
// Sleeps 1 ms, 20 ms and 0.25 ms, each measured with Instant, and prints whether each took at least as long as asked;
// the lines do not depend on how fast the host is. thread::sleep is one poll_oneoff with a single relative clock
// subscription, and the standard library panics ("thread::sleep(): unexpected result of poll_oneoff") unless exactly
// that subscription's event comes back; a sub-millisecond sleep checks the host does not round a wait down to nothing.
use std::thread;
use std::time::{Duration, Instant};

fn main() {
    let total = Instant::now();
    for micros in [1_000u64, 20_000, 250] {
        let asked = Duration::from_micros(micros);
        let start = Instant::now();
        thread::sleep(asked);
        let elapsed = start.elapsed();
        println!("sleep {}us: elapsed at least as asked: {}", micros, elapsed >= asked);
    }
    let measured = total.elapsed();
    println!("total at least 21.25ms: {}", measured >= Duration::from_micros(21_250));
    let a = Instant::now();
    let b = Instant::now();
    println!("Instant is monotonic: {}", b >= a);
}
