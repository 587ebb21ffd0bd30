//! The prices behind every monthly estimate, taken from the canonical facts
//! table embedded in the binary (`references/facts.toml`), never from
//! constants of our own: the KPU-hour, running application storage per
//! GB-month, the storage each KPU comes with, and the Region they hold in.

use std::sync::OnceLock;

use crate::facts::Facts;

/// Hours in the average month used for estimates (8,760 / 12).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// Fact ids the estimate reads.
const KPU_HOUR: &str = "price-kpu-hour";
const STORAGE_GB_MONTH: &str = "price-running-storage";
const STORAGE_PER_KPU: &str = "kpu-storage";

/// Prices for a monthly estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Prices {
    /// USD per KPU-hour.
    pub kpu_hour_usd: f64,
    /// USD per GB-month of running application storage.
    pub storage_gb_month_usd: f64,
    /// GB of running application storage per KPU.
    pub storage_gb_per_kpu: i32,
    /// The Region these prices hold in.
    pub region: String,
}

impl Prices {
    /// The prices in `facts`, or what is missing or inconsistent.
    pub fn from_facts(facts: &Facts) -> Result<Prices, String> {
        let fact = |id: &str| {
            facts
                .fact
                .iter()
                .find(|f| f.id == id)
                .ok_or_else(|| format!("facts.toml has no `{id}` fact"))
        };
        let number = |id: &str| -> Result<f64, String> {
            let f = fact(id)?;
            f.value
                .parse::<f64>()
                .map_err(|_| format!("fact `{id}`: `{}` is not a number", f.value))
        };
        let kpu = fact(KPU_HOUR)?;
        let storage = fact(STORAGE_GB_MONTH)?;
        let region = kpu
            .region
            .clone()
            .ok_or_else(|| format!("fact `{KPU_HOUR}` names no region"))?;
        if storage.region.as_deref() != Some(region.as_str()) {
            return Err(format!(
                "facts `{KPU_HOUR}` and `{STORAGE_GB_MONTH}` are for different regions"
            ));
        }
        let per_kpu = fact(STORAGE_PER_KPU)?;
        Ok(Prices {
            kpu_hour_usd: number(KPU_HOUR)?,
            storage_gb_month_usd: number(STORAGE_GB_MONTH)?,
            storage_gb_per_kpu: per_kpu.value.parse().map_err(|_| {
                format!(
                    "fact `{STORAGE_PER_KPU}`: `{}` is not a whole number",
                    per_kpu.value
                )
            })?,
            region,
        })
    }

    /// The prices of the facts table embedded in this binary; `Err` says
    /// what the table lacks (a test keeps the shipped table complete).
    pub fn embedded() -> Result<&'static Prices, &'static str> {
        static PRICES: OnceLock<Result<Prices, String>> = OnceLock::new();
        PRICES
            .get_or_init(|| {
                let text = crate::corpus::embedded_facts()
                    .ok_or_else(|| "no facts.toml was embedded".to_string())?;
                let facts = Facts::parse(text).map_err(|e| e.to_string())?;
                Prices::from_facts(&facts)
            })
            .as_ref()
            .map_err(String::as_str)
    }

    /// A month (730 h, 24/7) of `kpus` KPUs, `storage_kpus` of which carry
    /// running application storage, in USD rounded to the cent.
    pub fn monthly_usd(&self, kpus: i32, storage_kpus: i32) -> f64 {
        let compute = f64::from(kpus) * self.kpu_hour_usd * HOURS_PER_MONTH;
        let storage = f64::from(storage_kpus * self.storage_gb_per_kpu) * self.storage_gb_month_usd;
        ((compute + storage) * 100.0).round() / 100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped facts table carries every price the estimate needs.
    #[test]
    fn the_embedded_facts_price_kpus_and_storage() {
        let p = Prices::embedded().unwrap();
        assert!(
            p.kpu_hour_usd > 0.0 && p.storage_gb_month_usd > 0.0,
            "{p:?}"
        );
        assert!(p.storage_gb_per_kpu > 0, "{p:?}");
        assert!(!p.region.is_empty());
    }

    #[test]
    fn a_missing_price_is_named() {
        let facts = Facts::parse("verified = \"2026-01-01\"\n").unwrap();
        let e = Prices::from_facts(&facts).unwrap_err();
        assert!(e.contains("price-kpu-hour"), "{e}");
    }

    #[test]
    fn storage_is_priced_per_gb_month() {
        let p = Prices {
            kpu_hour_usd: 0.11,
            storage_gb_month_usd: 0.10,
            storage_gb_per_kpu: 50,
            region: "us-east-1".into(),
        };
        // 5 KPUs × $0.11 × 730 h + 4 × 50 GB × $0.10.
        assert_eq!(p.monthly_usd(5, 4), 421.5);
    }
}
