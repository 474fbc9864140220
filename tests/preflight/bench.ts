/**
 * `npm run bench:preflight`: wall time of `npm run preflight -- ningxia` against moto (behind the
 * gap-filling fake) and the fake registry, as a user runs it (new process each time: ts-node, SDK
 * loading, all checks). The first run meets a cold moto (it loads each service on first use);
 * the following runs are what a user sees against a warm endpoint. Prints figures; asserts nothing.
 */
import { cpus, loadavg } from "node:os";
import { deployableStackFile, runPreflightCli } from "./cli-run";
import { startWorld } from "./harness";

const RUNS = Number(process.env.RUNS ?? 5);

async function main(): Promise<void> {
  const world = await startWorld();
  try {
    await world.resetHealthy();
    const figures: { wall: number; checks: number; code: number | null }[] = [];
    for (let index = 0; index <= RUNS; index++) {
      const run = await runPreflightCli(world, deployableStackFile("ningxia"));
      const checks = Number(/ in (\d+\.\d+) s: /.exec(run.stdout)?.[1] ?? NaN);
      figures.push({ wall: run.seconds, checks, code: run.code });
      console.log(
        `${index === 0 ? "cold moto" : `run ${index}    `}  exit ${run.code}  wall ${run.seconds.toFixed(2)} s  (checks ${checks.toFixed(2)} s after start-up)`,
      );
    }
    const warm = figures
      .slice(1)
      .map((figure) => figure.wall)
      .sort((a, b) => a - b);
    const median = warm[Math.floor(warm.length / 2)];
    console.log(
      `warm runs: median ${median.toFixed(2)} s, max ${warm[warm.length - 1].toFixed(2)} s over ${warm.length} runs of npm run preflight -- ningxia`,
    );
    // Wall time depends on what else the machine runs: say how busy it was.
    console.log(
      `load average ${loadavg()
        .map((load) => load.toFixed(1))
        .join(" ")} on ${cpus().length} CPUs`,
    );
  } finally {
    await world.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
