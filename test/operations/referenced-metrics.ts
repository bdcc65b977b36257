import fs from 'node:fs';
import path from 'node:path';

const DEPLOY = path.resolve(__dirname, '../../deploy');

/** One metric a rule or a dashboard panel selects, and the scrape job whose /metrics must carry it. */
export interface MetricReference {
  metric: string;
  job: string | undefined;
  where: string;
}

/** Every PromQL expression of the alert rules and of the dashboard's panels, with where it comes from. */
export function deployedExpressions(): Array<{ expr: string; where: string }> {
  const rules = fs.readFileSync(path.join(DEPLOY, 'prometheus/rules/mailroom.rules.yml'), 'utf8');
  const fromRules = [...rules.matchAll(/- alert: (\w+)\n\s+(?:#.*\n\s+)*expr: \|\n((?:\s{10}.*\n)+)/g)].map((m) => ({
    expr: m[2]!,
    where: `alert ${m[1]}`,
  }));
  const dashboard = JSON.parse(fs.readFileSync(path.join(DEPLOY, 'grafana/dashboards/mailroom.json'), 'utf8')) as {
    panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
  };
  const fromPanels = dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ expr: target.expr, where: `panel "${panel.title}"` })),
  );
  return [...fromRules, ...fromPanels];
}

/** The selectors `name{…}` of an expression (every one names its job), and bare metric names, if any. */
export function metricReferences(expr: string, where: string): MetricReference[] {
  const references: MetricReference[] = [];
  for (const match of expr.matchAll(/([a-zA-Z_:][\w:]*)\{([^}]*)\}/g)) {
    const job = /\bjob="([^"]+)"/.exec(match[2]!)?.[1];
    references.push({ metric: match[1]!, job, where });
  }
  return references;
}

/** Metric families of a Prometheus text exposition: `# TYPE` lines and sample names. */
export function exposedFamilies(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const typed = /^# TYPE (\S+) /.exec(line);
    if (typed) names.add(typed[1]!);
    const sample = /^([a-zA-Z_:][\w:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return names;
}

/** True when a selected name (a histogram's `_bucket`, `_count`… included) is exposed. */
export function isExposed(metric: string, families: Set<string>): boolean {
  if (families.has(metric)) return true;
  const family = metric.replace(/_(bucket|count|sum|total)$/, '');
  return families.has(family) && metric !== family;
}
