//! Submitting many requests: bounded concurrency, results in input order, and
//! the fewest carrier calls each carrier's rules allow.
//!
//! [`crate::PortProvider::submit_many`] is the entry point. Its default sends
//! one `submit` per request; carriers override it with their own strategy
//! (Cellhire merges compatible requests into as few ports as possible), built
//! from the pieces here, which know nothing of the trait. One failure never stops the others: every input gets
//! its own `Result`, at its own index.

use std::collections::BTreeMap;
use std::future::Future;

use futures::stream::{self, StreamExt};

use crate::error::Result;
use crate::model::Submission;

/// Groups input indices into batches: inputs with the same `Some` key go
/// together, in input order, in chunks of at most `max_lines` lines (an input
/// larger than that goes alone); a `None` key goes alone.
/// Each request prepared by `prepare` (checked and mapped), in input
/// order: `None` where it failed, that failure kept as an early result at
/// its index.
#[allow(clippy::type_complexity)]
pub(crate) fn prepare_each<'a, R, T>(
    requests: &'a [R],
    mut prepare: impl FnMut(&'a R) -> Result<T>,
) -> (Vec<Option<T>>, Vec<(usize, Result<Submission>)>) {
    let mut early = Vec::new();
    let mut prepared = Vec::with_capacity(requests.len());
    for (i, request) in requests.iter().enumerate() {
        match prepare(request) {
            Ok(ok) => prepared.push(Some(ok)),
            Err(e) => {
                early.push((i, Err(e)));
                prepared.push(None);
            }
        }
    }
    (prepared, early)
}

pub(crate) fn batches<K: Ord>(
    keys: Vec<Option<K>>,
    lines: &[usize],
    max_lines: usize,
) -> Vec<Vec<usize>> {
    let max_lines = max_lines.max(1);
    let mut open: BTreeMap<K, (Vec<usize>, usize)> = BTreeMap::new();
    let mut out: Vec<Vec<usize>> = Vec::new();
    for (i, key) in keys.into_iter().enumerate() {
        let n = lines.get(i).copied().unwrap_or(1);
        let Some(key) = key else {
            out.push(vec![i]);
            continue;
        };
        let entry = open.entry(key).or_insert_with(|| (Vec::new(), 0));
        if !entry.0.is_empty() && entry.1 + n > max_lines {
            out.push(std::mem::take(&mut entry.0));
            entry.1 = 0;
        }
        entry.0.push(i);
        entry.1 += n;
    }
    out.extend(open.into_values().map(|(b, _)| b).filter(|b| !b.is_empty()));
    out.sort_by_key(|b| b[0]);
    out
}

/// Runs `submit` on each batch, at most `max_in_flight` at a time, and spreads
/// the results back to input order. `submit` returns one `Result` per member
/// of its batch, in the batch's order; `early` holds inputs already decided
/// (validation failures) that are not in any batch.
pub(crate) async fn run<F, Fut>(
    total: usize,
    early: Vec<(usize, Result<Submission>)>,
    batches: Vec<Vec<usize>>,
    max_in_flight: usize,
    submit: F,
) -> Vec<Result<Submission>>
where
    F: Fn(Vec<usize>) -> Fut,
    Fut: Future<Output = Vec<Result<Submission>>>,
{
    let mut slots: Vec<Option<Result<Submission>>> = (0..total).map(|_| None).collect();
    for (i, result) in early {
        slots[i] = Some(result);
    }
    let done: Vec<(Vec<usize>, Vec<Result<Submission>>)> =
        stream::iter(batches.into_iter().map(|batch| {
            let fut = submit(batch.clone());
            async move { (batch, fut.await) }
        }))
        .buffer_unordered(max_in_flight.max(1))
        .collect()
        .await;
    for (batch, results) in done {
        for (i, result) in batch.into_iter().zip(results) {
            slots[i] = Some(result);
        }
    }
    slots
        .into_iter()
        .map(|slot| {
            slot.unwrap_or_else(|| {
                Err(crate::Error::Config("bulk submission lost a result".into()))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_group_by_key_and_chunk_by_lines() {
        let keys = vec![Some("a"), Some("b"), None, Some("a"), Some("a"), Some("b")];
        let lines = [1, 1, 1, 2, 1, 1];
        assert_eq!(
            batches(keys, &lines, 3),
            vec![vec![0, 3], vec![1, 5], vec![2], vec![4]]
        );
        let keys = vec![Some(1), Some(1)];
        assert_eq!(batches(keys, &[5, 1], 3), vec![vec![0], vec![1]]);
        assert_eq!(batches::<u8>(vec![], &[], 3), Vec::<Vec<usize>>::new());
    }

    #[tokio::test]
    async fn run_keeps_input_order_and_early_results() {
        use crate::model::{PortId, SubmittedOrder};
        use crate::operation::Carrier;
        let out = run(
            4,
            vec![(2, Err(crate::Error::invalid("lines", "is empty")))],
            vec![vec![0, 3], vec![1]],
            2,
            |batch| async move {
                let id = PortId::new(format!("order-{}", batch[0])).unwrap();
                batch
                    .iter()
                    .map(|_| {
                        Ok(Submission::new(
                            Carrier::Cellhire,
                            vec![SubmittedOrder::new(
                                id.clone(),
                                vec![],
                                serde_json::Value::Null,
                            )],
                        ))
                    })
                    .collect()
            },
        )
        .await;
        let ids: Vec<String> = out
            .iter()
            .map(|r| match r {
                Ok(s) => s.first_id().unwrap().to_string(),
                Err(e) => e.to_string(),
            })
            .collect();
        assert_eq!(
            ids,
            vec![
                "order-0",
                "order-1",
                "invalid input: lines is empty",
                "order-0"
            ]
        );
    }
}
