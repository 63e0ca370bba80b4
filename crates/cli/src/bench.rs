//! `facturier bench` (being written).

/// Options of `facturier bench`.
#[derive(clap::Args)]
pub struct BenchArgs {}

pub async fn run(_args: BenchArgs) -> anyhow::Result<()> {
    anyhow::bail!("the benchmark is not available yet")
}
