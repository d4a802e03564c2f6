//! Walking through paged list operations as a [`Stream`].
//!
//! Alibaba Cloud list APIs page their results in one of two ways:
//!
//! - **page numbers**: the request carries `PageNumber` (1-based) and
//!   `PageSize`; the response usually reports `TotalCount`;
//! - **tokens**: the request carries `NextToken` and `MaxResults`; the
//!   response hands back the `NextToken` for the following page, absent or
//!   empty on the last one.
//!
//! Generated operation code implements [`PagedRequest`] for the input of a
//! paged operation and [`Page`] for its output, and hands a [`Paginator`] to
//! the caller. The paginator turns into a stream of whole pages
//! ([`Paginator::pages`]) or of the individual items
//! ([`Paginator::items`]):
//!
//! ```ignore
//! use futures::TryStreamExt;
//!
//! let mut instances = ecs.describe_instances().region_id("cn-hangzhou").into_paginator().items();
//! while let Some(instance) = instances.try_next().await? {
//!     println!("{:?}", instance.instance_id());
//! }
//! ```
//!
//! When the walk stops:
//!
//! - page numbers: after a page that holds no items; when
//!   `page_number * page_size >= TotalCount`; or, when the response does not
//!   report a total, after a page holding fewer items than the page size;
//! - tokens: when the response carries no next token or an empty one. A
//!   token the server already handed out once ends the walk with an error
//!   instead of looping forever;
//! - in both schemes, after [`Paginator::max_pages`] pages, and after the
//!   first failed request (the error is the last element of the stream).
//!
//! Streams are lazy: nothing is sent before the stream is first polled, and
//! the next page is only requested when the caller asks for more.

use std::collections::HashSet;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures::future::BoxFuture;
use futures::stream::{FusedStream, Stream};

use crate::{Error, Result};

/// The paging parameters a request currently carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paging {
    /// The operation pages with `PageNumber` / `PageSize`.
    PageNumber {
        /// The 1-based page to fetch; `None` lets the server start at page 1.
        page_number: Option<u32>,
        /// Items per page; `None` leaves the server default.
        page_size: Option<u32>,
    },
    /// The operation pages with `NextToken` / `MaxResults`.
    NextToken {
        /// Where to resume; `None` (or empty) starts from the beginning.
        next_token: Option<String>,
        /// Items per page; `None` leaves the server default.
        max_results: Option<u32>,
    },
}

/// Where the next page starts, as written into the request by
/// [`PagedRequest::set_cursor`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageCursor {
    /// The 1-based page number to fetch (`PageNumber`).
    Number(u32),
    /// The token returned with the previous page (`NextToken`).
    Token(String),
}

/// The input of a paged operation.
///
/// Generated code implements this by mapping the operation's own paging
/// fields: `PageNumber`/`PageSize` or `NextToken`/`MaxResults`.
pub trait PagedRequest: Clone + Send {
    /// The scheme of the operation and the paging values currently set.
    fn paging(&self) -> Paging;

    /// Points the request at another page.
    ///
    /// A paginator only passes the cursor kind matching [`paging`](Self::paging):
    /// [`PageCursor::Number`] for the page-number scheme,
    /// [`PageCursor::Token`] for the token scheme.
    fn set_cursor(&mut self, cursor: PageCursor);

    /// Sets the number of items per page (`PageSize` or `MaxResults`).
    fn set_page_size(&mut self, size: u32);
}

/// The output of a paged operation: one page.
pub trait Page {
    /// One element of the listed collection.
    type Item;

    /// The items on this page, borrowed.
    fn items(&self) -> &[Self::Item];

    /// The items on this page, taken out of the page.
    fn into_items(self) -> Vec<Self::Item>;

    /// `TotalCount` as reported by the server (page-number scheme).
    fn total_count(&self) -> Option<u64> {
        None
    }

    /// `PageSize` echoed back by the server, if the response has it. It wins
    /// over the size in the request, since servers may cap the requested size.
    fn page_size(&self) -> Option<u32> {
        None
    }

    /// The token of the following page (token scheme).
    fn next_token(&self) -> Option<&str> {
        None
    }
}

/// The async call that fetches one page.
type FetchFn<Req, Out> = Box<dyn Fn(Req) -> BoxFuture<'static, Result<Out>> + Send>;

/// A paged operation ready to be walked: the first request plus the call
/// that sends one request and returns one page.
///
/// Build it with [`Paginator::new`], optionally bound it with
/// [`page_size`](Self::page_size) and [`max_pages`](Self::max_pages), then
/// consume it with [`pages`](Self::pages) or [`items`](Self::items).
///
/// What generated code provides for one operation, here with a fake call:
///
/// ```
/// use alibabacloud_core::paginate::{Page, PageCursor, PagedRequest, Paginator, Paging};
/// use futures::TryStreamExt;
///
/// #[derive(Clone, Default)]
/// struct ListJobsInput { page_number: Option<u32>, page_size: Option<u32> }
///
/// impl PagedRequest for ListJobsInput {
///     fn paging(&self) -> Paging {
///         Paging::PageNumber { page_number: self.page_number, page_size: self.page_size }
///     }
///     fn set_cursor(&mut self, cursor: PageCursor) {
///         if let PageCursor::Number(n) = cursor { self.page_number = Some(n) }
///     }
///     fn set_page_size(&mut self, size: u32) { self.page_size = Some(size) }
/// }
///
/// struct ListJobsOutput { jobs: Vec<String>, total_count: Option<u64> }
///
/// impl Page for ListJobsOutput {
///     type Item = String;
///     fn items(&self) -> &[String] { &self.jobs }
///     fn into_items(self) -> Vec<String> { self.jobs }
///     fn total_count(&self) -> Option<u64> { self.total_count }
/// }
///
/// # futures::executor::block_on(async {
/// // Stands in for `client.list_jobs_send(input)`: 5 jobs on the server.
/// let fetch = |input: ListJobsInput| -> futures::future::BoxFuture<'static, _> {
///     Box::pin(async move {
///         let (page, size) = (input.page_number.unwrap_or(1), input.page_size.unwrap_or(10));
///         let jobs = ((page - 1) * size..(page * size).min(5)).map(|i| format!("dlc-{i}")).collect();
///         Ok(ListJobsOutput { jobs, total_count: Some(5) })
///     })
/// };
/// let jobs: Vec<String> = Paginator::new(ListJobsInput::default(), fetch)
///     .page_size(2)
///     .items()
///     .try_collect()
///     .await?;
/// assert_eq!(jobs, ["dlc-0", "dlc-1", "dlc-2", "dlc-3", "dlc-4"]);
/// # Ok::<(), alibabacloud_core::Error>(())
/// # }).unwrap();
/// ```
pub struct Paginator<Req, Out> {
    request: Req,
    fetch: FetchFn<Req, Out>,
    page_size: Option<u32>,
    max_pages: Option<usize>,
}

impl<Req, Out> fmt::Debug for Paginator<Req, Out>
where
    Req: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("request", &self.request)
            .field("page_size", &self.page_size)
            .field("max_pages", &self.max_pages)
            .finish_non_exhaustive()
    }
}

impl<Req, Out> Paginator<Req, Out>
where
    Req: PagedRequest + 'static,
    Out: Page + 'static,
{
    /// A paginator starting at `first` (its page number or token, if set, is
    /// where the walk begins) and calling `fetch` once per page.
    ///
    /// `fetch` is not called here: the first request goes out when the
    /// returned stream is first polled.
    pub fn new<F>(first: Req, fetch: F) -> Self
    where
        F: Fn(Req) -> BoxFuture<'static, Result<Out>> + Send + 'static,
    {
        Paginator {
            request: first,
            fetch: Box::new(fetch),
            page_size: None,
            max_pages: None,
        }
    }

    /// Asks for `size` items per page (`PageSize` or `MaxResults`),
    /// overriding what the request carries.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// Stops after `pages` pages even if the server reports more.
    /// Reaching this bound ends the stream normally, without an error.
    pub fn max_pages(mut self, pages: usize) -> Self {
        self.max_pages = Some(pages);
        self
    }

    /// The pages, one response per element.
    pub fn pages(self) -> Pages<Req, Out> {
        let mut request = self.request;
        if let Some(size) = self.page_size {
            request.set_page_size(size);
        }
        let cursor = match request.paging() {
            Paging::PageNumber {
                page_number,
                page_size,
            } => Cursor::Number {
                page: page_number.unwrap_or(1),
                requested_size: page_size,
                first_page_len: None,
            },
            Paging::NextToken { next_token, .. } => Cursor::Token {
                seen: next_token.into_iter().filter(|t| !t.is_empty()).collect(),
            },
        };
        Pages {
            fetch: self.fetch,
            request,
            cursor,
            in_flight: None,
            pending_error: None,
            pages_left: self.max_pages,
            done: false,
        }
    }

    /// The items of every page, in order.
    pub fn items(self) -> Items<Req, Out> {
        Items {
            pages: self.pages(),
            buffer: Vec::new().into_iter(),
        }
    }
}

/// Progress through the pages, and the stop rules of each scheme.
#[derive(Debug)]
enum Cursor {
    Number {
        /// Number of the page just requested.
        page: u32,
        /// Page size the request asked for.
        requested_size: Option<u32>,
        /// Length of the first page received, used as the page size when
        /// neither the request nor the response states one (every page but
        /// the last one is full).
        first_page_len: Option<usize>,
    },
    Token {
        /// Every token used so far, to catch a server that repeats itself.
        seen: HashSet<String>,
    },
}

impl Cursor {
    /// Where the page after `page` starts, or `None` when `page` is the last.
    fn advance<P: Page>(&mut self, page: &P) -> Result<Option<PageCursor>> {
        match self {
            Cursor::Number {
                page: number,
                requested_size,
                first_page_len,
            } => {
                let len = page.items().len();
                if len == 0 {
                    return Ok(None);
                }
                let size = page
                    .page_size()
                    .or(*requested_size)
                    .filter(|s| *s > 0)
                    .map(|s| s as u64)
                    .unwrap_or_else(|| *first_page_len.get_or_insert(len) as u64);
                let last = match page.total_count() {
                    Some(total) => u64::from(*number).saturating_mul(size) >= total,
                    None => (len as u64) < size,
                };
                if last || *number == u32::MAX {
                    return Ok(None);
                }
                *number += 1;
                Ok(Some(PageCursor::Number(*number)))
            }
            Cursor::Token { seen } => match page.next_token() {
                None | Some("") => Ok(None),
                Some(token) => {
                    if seen.insert(token.to_owned()) {
                        Ok(Some(PageCursor::Token(token.to_owned())))
                    } else {
                        Err(Error::validation(
                            "NextToken",
                            format!(
                                "the server returned the token {:?} a second time; \
                                 stopping instead of requesting the same pages again",
                                shorten(token)
                            ),
                        ))
                    }
                }
            },
        }
    }
}

/// At most 64 characters of a token, for an error message.
fn shorten(token: &str) -> String {
    if token.chars().count() <= 64 {
        token.to_owned()
    } else {
        let mut s: String = token.chars().take(64).collect();
        s.push('…');
        s
    }
}

/// Stream of pages returned by [`Paginator::pages`].
///
/// Yields `Ok(page)` for each page, then ends. A failed request is yielded as
/// `Err` and ends the stream. When the server repeats a `NextToken`, the page
/// carrying the repeated token is yielded, then the error.
pub struct Pages<Req, Out> {
    fetch: FetchFn<Req, Out>,
    /// The request for the next page (its cursor already set).
    request: Req,
    cursor: Cursor,
    in_flight: Option<BoxFuture<'static, Result<Out>>>,
    pending_error: Option<Error>,
    pages_left: Option<usize>,
    /// No more requests will be sent.
    done: bool,
}

// Nothing inside is ever pinned in place: the in-flight future is boxed.
impl<Req, Out> Unpin for Pages<Req, Out> {}

impl<Req, Out> fmt::Debug for Pages<Req, Out>
where
    Req: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("request", &self.request)
            .field("cursor", &self.cursor)
            .field("in_flight", &self.in_flight.is_some())
            .field("pages_left", &self.pages_left)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<Req, Out> Stream for Pages<Req, Out>
where
    Req: PagedRequest,
    Out: Page,
{
    type Item = Result<Out>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.in_flight.is_none() {
            if let Some(error) = this.pending_error.take() {
                return Poll::Ready(Some(Err(error)));
            }
            if this.done || this.pages_left == Some(0) {
                this.done = true;
                return Poll::Ready(None);
            }
            this.in_flight = Some((this.fetch)(this.request.clone()));
        }
        let Some(future) = this.in_flight.as_mut() else {
            unreachable!("a request is in flight here")
        };
        let result = ready!(future.as_mut().poll(cx));
        this.in_flight = None;
        let page = match result {
            Ok(page) => page,
            Err(error) => {
                this.done = true;
                return Poll::Ready(Some(Err(error)));
            }
        };
        if let Some(left) = &mut this.pages_left {
            *left -= 1;
        }
        match this.cursor.advance(&page) {
            Ok(Some(next)) => this.request.set_cursor(next),
            Ok(None) => this.done = true,
            Err(error) => {
                this.done = true;
                this.pending_error = Some(error);
            }
        }
        Poll::Ready(Some(Ok(page)))
    }
}

impl<Req, Out> FusedStream for Pages<Req, Out>
where
    Req: PagedRequest,
    Out: Page,
{
    fn is_terminated(&self) -> bool {
        self.done && self.in_flight.is_none() && self.pending_error.is_none()
    }
}

/// Stream of items returned by [`Paginator::items`]: the items of each page in
/// order, fetching the next page when the current one is used up. Errors end
/// the stream as in [`Pages`].
pub struct Items<Req, Out: Page> {
    pages: Pages<Req, Out>,
    buffer: std::vec::IntoIter<Out::Item>,
}

// Items are moved out of the buffer, never pinned.
impl<Req, Out: Page> Unpin for Items<Req, Out> {}

impl<Req, Out> fmt::Debug for Items<Req, Out>
where
    Req: fmt::Debug,
    Out: Page,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field("buffered", &self.buffer.len())
            .finish()
    }
}

impl<Req, Out> Stream for Items<Req, Out>
where
    Req: PagedRequest,
    Out: Page,
{
    type Item = Result<Out::Item>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.buffer.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match ready!(Pin::new(&mut this.pages).poll_next(cx)) {
                Some(Ok(page)) => this.buffer = page.into_items().into_iter(),
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                None => return Poll::Ready(None),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let buffered = self.buffer.len();
        if self.pages.is_terminated() {
            (buffered, Some(buffered))
        } else {
            (buffered, None)
        }
    }
}

impl<Req, Out> FusedStream for Items<Req, Out>
where
    Req: PagedRequest,
    Out: Page,
{
    fn is_terminated(&self) -> bool {
        self.buffer.len() == 0 && self.pages.is_terminated()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::{StreamExt, TryStreamExt};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    // ---- page-number fake ----------------------------------------------

    #[derive(Debug, Clone, Default, PartialEq)]
    struct NumReq {
        page_number: Option<u32>,
        page_size: Option<u32>,
    }

    impl PagedRequest for NumReq {
        fn paging(&self) -> Paging {
            Paging::PageNumber {
                page_number: self.page_number,
                page_size: self.page_size,
            }
        }
        fn set_cursor(&mut self, cursor: PageCursor) {
            match cursor {
                PageCursor::Number(n) => self.page_number = Some(n),
                PageCursor::Token(_) => panic!("token cursor for a page-number request"),
            }
        }
        fn set_page_size(&mut self, size: u32) {
            self.page_size = Some(size);
        }
    }

    #[derive(Debug)]
    struct NumPage {
        items: Vec<u32>,
        total: Option<u64>,
        echoed_size: Option<u32>,
    }

    impl Page for NumPage {
        type Item = u32;
        fn items(&self) -> &[u32] {
            &self.items
        }
        fn into_items(self) -> Vec<u32> {
            self.items
        }
        fn total_count(&self) -> Option<u64> {
            self.total
        }
        fn page_size(&self) -> Option<u32> {
            self.echoed_size
        }
    }

    /// A server holding `0..len`, paging by number. The server's default
    /// page size is 10; `report_total` and `echo_size` choose which fields
    /// the response carries. `fail_on` makes that page number fail.
    #[derive(Clone)]
    struct NumServer {
        len: u32,
        report_total: bool,
        echo_size: bool,
        max_size: u32,
        fail_on: Option<u32>,
        calls: Arc<AtomicUsize>,
        seen: Arc<Mutex<Vec<NumReq>>>,
    }

    impl NumServer {
        fn new(len: u32) -> Self {
            NumServer {
                len,
                report_total: true,
                echo_size: false,
                max_size: u32::MAX,
                fail_on: None,
                calls: Arc::default(),
                seen: Arc::default(),
            }
        }

        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }

        fn paginator(&self, first: NumReq) -> Paginator<NumReq, NumPage> {
            let server = self.clone();
            Paginator::new(first, move |req: NumReq| {
                let server = server.clone();
                Box::pin(async move {
                    server.calls.fetch_add(1, Ordering::SeqCst);
                    server.seen.lock().unwrap().push(req.clone());
                    let number = req.page_number.unwrap_or(1);
                    if server.fail_on == Some(number) {
                        return Err(Error::from_response(503, Some("R-503"), b""));
                    }
                    let size = req.page_size.unwrap_or(10).min(server.max_size);
                    let start = (number - 1).saturating_mul(size).min(server.len);
                    let end = start.saturating_add(size).min(server.len);
                    Ok(NumPage {
                        items: (start..end).collect(),
                        total: server.report_total.then_some(u64::from(server.len)),
                        echoed_size: server.echo_size.then_some(size),
                    })
                })
            })
        }
    }

    fn sized(size: u32) -> NumReq {
        NumReq {
            page_number: None,
            page_size: Some(size),
        }
    }

    // ---- token fake ----------------------------------------------------

    #[derive(Debug, Clone, Default, PartialEq)]
    struct TokReq {
        next_token: Option<String>,
        max_results: Option<u32>,
    }

    impl PagedRequest for TokReq {
        fn paging(&self) -> Paging {
            Paging::NextToken {
                next_token: self.next_token.clone(),
                max_results: self.max_results,
            }
        }
        fn set_cursor(&mut self, cursor: PageCursor) {
            match cursor {
                PageCursor::Token(t) => self.next_token = Some(t),
                PageCursor::Number(_) => panic!("number cursor for a token request"),
            }
        }
        fn set_page_size(&mut self, size: u32) {
            self.max_results = Some(size);
        }
    }

    #[derive(Debug)]
    struct TokPage {
        items: Vec<String>,
        next: Option<String>,
    }

    impl Page for TokPage {
        type Item = String;
        fn items(&self) -> &[String] {
            &self.items
        }
        fn into_items(self) -> Vec<String> {
            self.items
        }
        fn next_token(&self) -> Option<&str> {
            self.next.as_deref()
        }
    }

    /// One scripted answer: token received (`""` for none), items, next token.
    type Step = (&'static str, Vec<&'static str>, Option<&'static str>);

    /// A server answering from a script of [`Step`]s.
    #[derive(Clone)]
    struct TokServer {
        script: Arc<Vec<Step>>,
        calls: Arc<AtomicUsize>,
        seen: Arc<Mutex<Vec<TokReq>>>,
    }

    impl TokServer {
        fn new(script: Vec<Step>) -> Self {
            TokServer {
                script: Arc::new(script),
                calls: Arc::default(),
                seen: Arc::default(),
            }
        }

        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }

        fn paginator(&self, first: TokReq) -> Paginator<TokReq, TokPage> {
            let server = self.clone();
            Paginator::new(first, move |req: TokReq| {
                let server = server.clone();
                Box::pin(async move {
                    server.calls.fetch_add(1, Ordering::SeqCst);
                    server.seen.lock().unwrap().push(req.clone());
                    let token = req.next_token.as_deref().unwrap_or("");
                    let (_, items, next) = server
                        .script
                        .iter()
                        .find(|(t, _, _)| *t == token)
                        .unwrap_or_else(|| panic!("unexpected token {token:?}"));
                    Ok(TokPage {
                        items: items.iter().map(|s| s.to_string()).collect(),
                        next: next.map(str::to_owned),
                    })
                })
            })
        }
    }

    // ---- page numbers --------------------------------------------------

    #[tokio::test]
    async fn page_numbers_walk_until_total_count() {
        let server = NumServer::new(25);
        let items: Vec<u32> = server
            .paginator(sized(10))
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(items, (0..25).collect::<Vec<_>>());
        assert_eq!(server.calls(), 3);
        let numbers: Vec<_> = server
            .seen
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.page_number)
            .collect();
        assert_eq!(numbers, [None, Some(2), Some(3)]);
    }

    #[tokio::test]
    async fn exact_multiple_of_page_size_needs_no_extra_request() {
        let server = NumServer::new(20);
        let pages: Vec<NumPage> = server
            .paginator(sized(10))
            .pages()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(pages.len(), 2);
        assert_eq!(server.calls(), 2);
    }

    #[tokio::test]
    async fn empty_first_page_ends_after_one_request() {
        let server = NumServer::new(0);
        let pages: Vec<NumPage> = server
            .paginator(sized(10))
            .pages()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(pages.len(), 1);
        assert!(pages[0].items.is_empty());
        assert_eq!(server.calls(), 1);

        let server = NumServer::new(0);
        let items: Vec<u32> = server
            .paginator(sized(10))
            .items()
            .try_collect()
            .await
            .unwrap();
        assert!(items.is_empty());
        assert_eq!(server.calls(), 1);
    }

    #[tokio::test]
    async fn without_total_count_a_short_page_is_the_last() {
        let mut server = NumServer::new(25);
        server.report_total = false;
        let items: Vec<u32> = server
            .paginator(sized(10))
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(items.len(), 25);
        assert_eq!(server.calls(), 3);

        // A full last page cannot be told apart: one more request finds it empty.
        let mut server = NumServer::new(20);
        server.report_total = false;
        let items: Vec<u32> = server
            .paginator(sized(10))
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(items.len(), 20);
        assert_eq!(server.calls(), 3);
    }

    #[tokio::test]
    async fn unknown_page_size_is_learned_from_the_first_page() {
        // Neither the request nor the response states a size; the server uses 10.
        let mut server = NumServer::new(25);
        server.report_total = false;
        let items: Vec<u32> = server
            .paginator(NumReq::default())
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(items, (0..25).collect::<Vec<_>>());
        assert_eq!(server.calls(), 3);

        let server = NumServer::new(30);
        let items: Vec<u32> = server
            .paginator(NumReq::default())
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(items.len(), 30);
        assert_eq!(server.calls(), 3);
    }

    #[tokio::test]
    async fn echoed_page_size_wins_over_the_requested_one() {
        // The server caps the page size at 10 and says so in the response;
        // trusting the requested 50 would stop after the first page.
        let mut server = NumServer::new(25);
        server.max_size = 10;
        server.echo_size = true;
        let items: Vec<u32> = server
            .paginator(sized(50))
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(items, (0..25).collect::<Vec<_>>());
        assert_eq!(server.calls(), 3);
    }

    #[tokio::test]
    async fn page_size_override_is_sent() {
        let server = NumServer::new(25);
        let items: Vec<u32> = server
            .paginator(sized(10))
            .page_size(5)
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(items.len(), 25);
        assert_eq!(server.calls(), 5);
        assert!(
            server
                .seen
                .lock()
                .unwrap()
                .iter()
                .all(|r| r.page_size == Some(5))
        );
    }

    #[tokio::test]
    async fn walk_starts_at_the_requested_page() {
        let server = NumServer::new(25);
        let first = NumReq {
            page_number: Some(2),
            page_size: Some(10),
        };
        let items: Vec<u32> = server.paginator(first).items().try_collect().await.unwrap();
        assert_eq!(items, (10..25).collect::<Vec<_>>());
        assert_eq!(server.calls(), 2);
    }

    #[tokio::test]
    async fn max_pages_stops_early_without_error() {
        let server = NumServer::new(100);
        let pages: Vec<NumPage> = server
            .paginator(sized(10))
            .max_pages(3)
            .pages()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(pages.len(), 3);
        assert_eq!(server.calls(), 3);

        let server = NumServer::new(100);
        let mut stream = server.paginator(sized(10)).max_pages(0).pages();
        assert!(stream.next().await.is_none());
        assert_eq!(server.calls(), 0);
    }

    #[tokio::test]
    async fn error_mid_stream_is_yielded_then_the_stream_ends() {
        let mut server = NumServer::new(50);
        server.fail_on = Some(2);
        let mut items = server.paginator(sized(10)).items();
        let mut got = Vec::new();
        let error = loop {
            match items.next().await {
                Some(Ok(i)) => got.push(i),
                Some(Err(e)) => break e,
                None => panic!("stream ended without the error"),
            }
        };
        assert_eq!(got, (0..10).collect::<Vec<_>>());
        assert_eq!(error.status(), Some(503));
        assert!(items.next().await.is_none());
        assert!(items.is_terminated());
        assert!(items.next().await.is_none());
        assert_eq!(server.calls(), 2);
    }

    #[tokio::test]
    async fn nothing_is_sent_before_the_first_poll() {
        let server = NumServer::new(25);
        let paginator = server.paginator(sized(10));
        let mut pages = paginator.pages();
        assert_eq!(server.calls(), 0);
        let first = pages.try_next().await.unwrap().unwrap();
        assert_eq!(first.items.len(), 10);
        // Only the page asked for has been fetched.
        assert_eq!(server.calls(), 1);
        drop(pages);
        assert_eq!(server.calls(), 1);
    }

    #[tokio::test]
    async fn try_next_loop_as_in_the_design() {
        let server = NumServer::new(23);
        let mut instances = server.paginator(sized(10)).items();
        let mut seen = Vec::new();
        while let Some(i) = instances.try_next().await.unwrap() {
            seen.push(i);
        }
        assert_eq!(seen, (0..23).collect::<Vec<_>>());
        assert_eq!(server.calls(), 3);
    }

    // ---- tokens --------------------------------------------------------

    #[tokio::test]
    async fn tokens_walk_until_the_token_is_absent() {
        let server = TokServer::new(vec![
            ("", vec!["a", "b"], Some("t1")),
            ("t1", vec!["c", "d"], Some("t2")),
            ("t2", vec!["e"], None),
        ]);
        let first = TokReq::default();
        let items: Vec<String> = server
            .paginator(first)
            .page_size(2)
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(items, ["a", "b", "c", "d", "e"]);
        assert_eq!(server.calls(), 3);
        let seen = server.seen.lock().unwrap();
        let tokens: Vec<_> = seen.iter().map(|r| r.next_token.as_deref()).collect();
        assert_eq!(tokens, [None, Some("t1"), Some("t2")]);
        assert!(seen.iter().all(|r| r.max_results == Some(2)));
    }

    #[tokio::test]
    async fn empty_token_ends_the_walk() {
        let server = TokServer::new(vec![
            ("", vec!["a"], Some("t1")),
            ("t1", vec!["b"], Some("")),
        ]);
        let items: Vec<String> = server
            .paginator(TokReq::default())
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(items, ["a", "b"]);
        assert_eq!(server.calls(), 2);
    }

    #[tokio::test]
    async fn empty_pages_with_a_token_keep_going() {
        let server = TokServer::new(vec![("", vec![], Some("t1")), ("t1", vec!["a"], None)]);
        let items: Vec<String> = server
            .paginator(TokReq::default())
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(items, ["a"]);
        assert_eq!(server.calls(), 2);
    }

    #[tokio::test]
    async fn repeated_token_is_an_error_not_a_loop() {
        let server = TokServer::new(vec![
            ("", vec!["a"], Some("t1")),
            ("t1", vec!["b"], Some("t1")),
        ]);
        let mut pages = server.paginator(TokReq::default()).pages();
        assert_eq!(pages.try_next().await.unwrap().unwrap().items, ["a"]);
        assert_eq!(pages.try_next().await.unwrap().unwrap().items, ["b"]);
        let error = pages.try_next().await.unwrap_err();
        assert!(matches!(error, Error::Validation { ref param, .. } if param == "NextToken"));
        assert!(error.to_string().contains("\"t1\""), "{error}");
        assert!(pages.next().await.is_none());
        assert_eq!(server.calls(), 2);
    }

    #[tokio::test]
    async fn token_cycle_is_caught_too() {
        let server = TokServer::new(vec![
            ("", vec!["a"], Some("t1")),
            ("t1", vec!["b"], Some("t2")),
            ("t2", vec!["c"], Some("t1")),
        ]);
        let result: Result<Vec<String>> = server
            .paginator(TokReq::default())
            .items()
            .try_collect()
            .await;
        assert!(result.is_err());
        assert_eq!(server.calls(), 3);
    }

    #[tokio::test]
    async fn starting_token_counts_as_seen() {
        let server = TokServer::new(vec![("t0", vec!["x"], Some("t0"))]);
        let first = TokReq {
            next_token: Some("t0".into()),
            max_results: None,
        };
        let result: Result<Vec<String>> = server.paginator(first).items().try_collect().await;
        assert!(result.is_err());
        assert_eq!(server.calls(), 1);
    }

    #[test]
    fn streams_are_send() {
        fn assert_send<T: Send>(_: &T) {}
        let server = NumServer::new(1);
        let pages = server.paginator(sized(10)).pages();
        assert_send(&pages);
        let items = server.paginator(sized(10)).items();
        assert_send(&items);
    }

    #[test]
    fn long_tokens_are_shortened_in_errors() {
        let long = "x".repeat(500);
        let s = shorten(&long);
        assert_eq!(s.chars().count(), 65);
        assert!(s.ends_with('…'));
    }
}
