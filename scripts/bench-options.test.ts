import { describe, expect, it } from 'vitest';
import { BENCH_HELP, DEFAULT_BENCH_OUT, parseBenchArgs } from './bench-options';

describe('parseBenchArgs', () => {
  it('uses the defaults without options', () => {
    expect(parseBenchArgs([])).toEqual({
      out: DEFAULT_BENCH_OUT,
      options: {
        presets: ['cnn-small', 'resnet-mini', 'gpt1-tiny'],
        optimizers: ['sgd', 'adam', 'adamw', 'adafisher', 'adafisherw', 'kfac', 'shampoo', 'adahessian'],
        batch: 64,
        textBatch: 8,
        vocabulary: 33278,
        steps: 10,
        warmup: 3,
        seed: 0,
        landscape: { steps: 120, grid: 21, evalSize: 512 },
        inspect: { steps: 20, analysisSizes: [64, 512, 2049] },
        firstStep: true,
        profile: null,
        pipelining: { warmup: 10, steps: 20, rounds: 2 },
      },
    });
  });

  it('reads every option', () => {
    const command = parseBenchArgs([
      ...['--out', 'out/b.json', '--batch', '8', '--text-batch', '2', '--vocabulary', '300', '--steps', '5', '--warmup', '2'],
      ...['--presets', 'resnet-mini,gpt1-tiny', '--optimizers', 'adam, adafisher', '--seed', '7'],
      ...['--landscape-steps', '12', '--landscape-grid', '5', '--landscape-eval', '16'],
      ...['--inspect-steps', '4', '--inspect-sizes', '8,64'],
    ]);
    expect(command).toEqual({
      out: 'out/b.json',
      options: {
        presets: ['resnet-mini', 'gpt1-tiny'],
        optimizers: ['adam', 'adafisher'],
        batch: 8,
        textBatch: 2,
        vocabulary: 300,
        steps: 5,
        warmup: 2,
        seed: 7,
        landscape: { steps: 12, grid: 5, evalSize: 16 },
        inspect: { steps: 4, analysisSizes: [8, 64] },
        firstStep: true,
        profile: null,
        pipelining: { warmup: 10, steps: 20, rounds: 2 },
      },
    });
  });

  it('profiles with --profile, timestamps where offered unless --profile-method says otherwise', () => {
    expect(parseBenchArgs(['--profile'])?.options.profile).toBe('auto');
    expect(parseBenchArgs(['--profile-method', 'op-by-op'])?.options.profile).toBe('op-by-op');
    expect(parseBenchArgs(['--profile', '--profile-method', 'timestamps'])?.options.profile).toBe('timestamps');
    expect(() => parseBenchArgs(['--profile-method', 'sampling'])).toThrow(/--profile: unknown "sampling"; choose from auto, timestamps, op-by-op/);
  });

  it('skips the landscape with --no-landscape, the inspector with --no-inspect', () => {
    expect(parseBenchArgs(['--no-landscape'])?.options.landscape).toBeNull();
    expect(parseBenchArgs(['--no-inspect'])?.options.inspect).toBeNull();
    expect(parseBenchArgs(['--no-first-step'])?.options.firstStep).toBe(false);
    expect(parseBenchArgs(['--no-pipelining'])?.options.pipelining).toBeNull();
    expect(() => parseBenchArgs(['--inspect-sizes', '8,x'])).toThrow(/--inspect-sizes must be a whole number >= 1, got "x"/);
  });

  it('returns null for --help, whose text lists every option', () => {
    expect(parseBenchArgs(['--help'])).toBeNull();
    for (const flag of [
      '--out',
      '--batch',
      '--text-batch',
      '--vocabulary',
      '--steps',
      '--warmup',
      '--presets',
      '--optimizers',
      '--seed',
      '--landscape-steps',
      '--landscape-grid',
      '--landscape-eval',
      '--no-landscape',
      '--no-first-step',
      '--no-pipelining',
      '--profile',
      '--profile-method',
      '--help',
    ])
      expect(BENCH_HELP).toContain(flag);
  });

  it.each([
    [['--batch', 'many'], /--batch must be a whole number >= 1, got "many"/],
    [['--steps', '0'], /--steps must be a whole number >= 1, got "0"/],
    [['--warmup', ''], /--warmup must be a whole number >= 0/],
    [['--batch', '5000'], /--batch must be a whole number in 1\.\.4096, got 5000/],
    [['--presets', 'vgg'], /--presets: unknown "vgg"/],
    [['--optimizers', 'sgd,sgd'], /--optimizers names "sgd" twice/],
    [['--out', 'results.csv'], /--out must name a \.json file/],
    [['--fast'], /Unknown option '--fast'/],
    [['--landscape-grid', '2'], /--landscape-grid must be a whole number >= 3, got "2"/],
    [['--landscape-grid', '500'], /landscape.grid must be a whole number in 3..101, got 500/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});
