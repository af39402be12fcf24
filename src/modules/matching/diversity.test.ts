import { describe, expect, it } from 'vitest';
import { diversify, overlap, titleSignature } from './diversity.js';

interface Item {
  id: string;
  title: string;
  score: number;
}
const items: Item[] = [
  { id: 'a', title: '高速带钢表面缺陷在线检测系统', score: 1 },
  { id: 'b', title: '高速带钢表面缺陷在线检测装置', score: 0.95 },
  { id: 'c', title: '注塑件外观缺陷视觉检测', score: 0.7 },
  { id: 'd', title: '高速带钢表面缺陷在线检测方法', score: 0.6 },
  { id: 'e', title: 'PCB焊点AOI检测', score: 0.2 },
];
const run = (weight: number, take = 5) =>
  diversify(
    items,
    (i) => i.score,
    (i) => i.title,
    weight,
    take,
  ).map((p) => p.item.id);

describe('diversify', () => {
  it('keeps the score order with weight 0', () => {
    expect(run(0)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('moves near-repeats of a title placed above after distinct candidates', () => {
    expect(run(1.5)).toEqual(['a', 'c', 'e', 'b', 'd']);
    // a light weight moves a repeat only past a candidate of close score
    expect(run(0.5)).toEqual(['a', 'c', 'b', 'd', 'e']);
  });

  it('reports each placed candidate’s overlap with those above it', () => {
    const placed = diversify(
      items,
      (i) => i.score,
      (i) => i.title,
      1.5,
      5,
    );
    expect(placed[0]!.redundancy).toBe(0);
    const b = placed.find((p) => p.item.id === 'b')!;
    expect(b.redundancy).toBeCloseTo(
      overlap(titleSignature(items[0]!.title), titleSignature(items[1]!.title)),
      10,
    );
    expect(b.redundancy).toBeGreaterThan(0.7);
  });

  it('gives the same order whatever the number taken, so pages agree', () => {
    const all = run(1.5);
    for (let take = 0; take <= items.length; take++) expect(run(1.5, take)).toEqual(all.slice(0, take));
  });

  it('compares titles by their character bigrams and words, case- and width-insensitively', () => {
    expect(titleSignature('ＡＧＶ调度')).toEqual(titleSignature('agv 调度'));
    expect(titleSignature('ＡＧＶ调度')).toHaveLength(2); // agv, 调度
    expect(titleSignature('激光雷达激光')).toHaveLength(4); // 激光 (twice), 光雷, 雷达, 达激: distinct pairs
    expect(overlap(titleSignature('𠀀𠀁传感'), titleSignature('𠀀𠀁传感器'))).toBeCloseTo(3 / 4, 10);
    // a bigram is the same beside a character outside the BMP as anywhere else (传感, 感器)
    expect(overlap(titleSignature('𠀀传感器'), titleSignature('传感器'))).toBeCloseTo(2 / 3, 10);
    expect(overlap(titleSignature('激光雷达'), titleSignature('激光雷达'))).toBe(1);
    expect(overlap(titleSignature('激光雷达'), titleSignature('水稻育种'))).toBe(0);
    expect(overlap(titleSignature(''), titleSignature('水稻'))).toBe(0);
  });
});
