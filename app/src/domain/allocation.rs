//! Cascading a target: a parent's value split over its children in proportion to weights
//! (their history), in the metric's smallest step, summing exactly to the parent.

use rust_decimal::Decimal;

/// Splits `total` into `weights.len()` parts proportional to `weights`, each a multiple of
/// `step`, summing exactly to `total` (when `total` is a multiple of `step`). Largest remainder
/// first; all-zero weights split evenly.
pub fn split(total: Decimal, weights: &[Decimal], step: Decimal) -> Vec<Decimal> {
    if weights.is_empty() {
        return Vec::new();
    }
    let weight_sum: Decimal = weights.iter().copied().filter(|w| *w > Decimal::ZERO).sum();
    let shares: Vec<Decimal> = if weight_sum.is_zero() {
        vec![Decimal::ONE / Decimal::from(weights.len()); weights.len()]
    } else {
        weights
            .iter()
            .map(|w| (*w).max(Decimal::ZERO) / weight_sum)
            .collect()
    };
    let steps_total = (total / step).floor();
    let exact: Vec<Decimal> = shares.iter().map(|s| steps_total * s).collect();
    let mut parts: Vec<Decimal> = exact.iter().map(|e| e.floor()).collect();
    let mut left = steps_total - parts.iter().copied().sum::<Decimal>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    // Largest fractional part first; ties go to the earlier member, so the split is stable.
    order.sort_by(|a, b| {
        (exact[*b] - parts[*b])
            .cmp(&(exact[*a] - parts[*a]))
            .then(a.cmp(b))
    });
    for i in order.into_iter().cycle() {
        if left <= Decimal::ZERO {
            break;
        }
        parts[i] += Decimal::ONE;
        left -= Decimal::ONE;
    }
    let remainder = total - steps_total * step;
    let mut result: Vec<Decimal> = parts.into_iter().map(|p| (p * step).normalize()).collect();
    // A total that is not a multiple of the step: the sub-step rest goes to the first member.
    result[0] = (result[0] + remainder).normalize();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn split_examples() {
        let cent = Decimal::new(1, 2);
        assert_eq!(
            split(Decimal::from(100), &[Decimal::ONE; 3], cent),
            vec![
                Decimal::new(3334, 2),
                Decimal::new(3333, 2),
                Decimal::new(3333, 2)
            ]
        );
        assert_eq!(
            split(
                Decimal::from(10),
                &[Decimal::from(3), Decimal::ONE],
                Decimal::ONE
            ),
            vec![Decimal::from(8), Decimal::from(2)]
        );
        // No history for anyone: even.
        assert_eq!(
            split(Decimal::from(9), &[Decimal::ZERO; 3], Decimal::ONE),
            vec![Decimal::from(3); 3]
        );
    }

    proptest! {
        #[test]
        fn split_sums_exactly(total_cents in 0i64..10_000_000_000, weights in prop::collection::vec(0i64..1_000_000, 1..30)) {
            let total = Decimal::new(total_cents, 2);
            let weights: Vec<Decimal> = weights.into_iter().map(Decimal::from).collect();
            let parts = split(total, &weights, Decimal::new(1, 2));
            prop_assert_eq!(parts.len(), weights.len());
            prop_assert_eq!(parts.iter().copied().sum::<Decimal>(), total);
            for p in &parts {
                prop_assert!(*p >= Decimal::ZERO);
                prop_assert!(p.normalize().scale() <= 2);
            }
        }

        #[test]
        fn even_split_differs_by_at_most_one_step(total in 0i64..1_000_000, n in 1usize..40) {
            let parts = split(Decimal::from(total), &vec![Decimal::ONE; n], Decimal::ONE);
            let max = parts.iter().max().unwrap();
            let min = parts.iter().min().unwrap();
            prop_assert!(*max - *min <= Decimal::ONE);
            prop_assert_eq!(parts.iter().copied().sum::<Decimal>(), Decimal::from(total));
        }
    }
}
