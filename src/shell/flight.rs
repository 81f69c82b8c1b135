//! The outcome of one mint, shared by every caller waiting for it.

use crate::core::access_token::AccessToken;
use crate::core::error::Result;
use std::cell::RefCell;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

/// A one-shot result that any number of waiters can await.
#[derive(Debug, Default)]
pub struct Flight {
    /// When it started (`Date.now()`, real time: its deadline is about timers that really run).
    pub started: f64,
    result: RefCell<Option<Result<AccessToken>>>,
    waiters: RefCell<Vec<Waker>>,
}

impl Flight {
    /// A flight started at `started`.
    pub fn new(started: f64) -> Self {
        Flight {
            started,
            ..Flight::default()
        }
    }

    /// Stores the outcome and wakes every waiter.
    pub fn land(&self, result: Result<AccessToken>) {
        *self.result.borrow_mut() = Some(result);
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        for w in waiters {
            w.wake();
        }
    }

    /// Waits for the outcome.
    pub async fn wait(self: Rc<Self>) -> Result<AccessToken> {
        poll_fn(|cx| {
            if let Some(result) = self.result.borrow().as_ref() {
                return Poll::Ready(result.clone());
            }
            self.waiters.borrow_mut().push(cx.waker().clone());
            Poll::Pending
        })
        .await
    }
}
