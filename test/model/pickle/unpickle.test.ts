import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MlopsError } from '../../../src/errors.js';
import { attributeClasses, combineAllowLists } from '../../../src/model/pickle/allow-list.js';
import { PYTHON_BUILTINS_ALLOW_LIST } from '../../../src/model/pickle/builtins.js';
import { NdArray, NUMPY_ALLOW_LIST } from '../../../src/model/pickle/numpy.js';
import { unpickle } from '../../../src/model/pickle/unpickle.js';
import { PyObject, isTuple, type PickleValue } from '../../../src/model/pickle/values.js';
import { SKLEARN_ALLOW_LIST } from '../../../src/model/sklearn/allow-list.js';
import { thrownMlopsError } from '../../helpers/errors.js';
import { PickleBytes, fromHex } from '../../helpers/pickle-bytes.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'sklearn');
const allowList = combineAllowLists(PYTHON_BUILTINS_ALLOW_LIST, NUMPY_ALLOW_LIST, attributeClasses(['demo Thing']));

const tempDir = useTempDirs();

function refusal(bytes: Uint8Array, list = SKLEARN_ALLOW_LIST): MlopsError {
  return thrownMlopsError(() => unpickle(bytes, { allowList: list, source: 'evil.pkl' }));
}

/** pickle.dumps(value, protocol=p) by CPython 3.11 for p = 0…5, where value is the dict the test expects. */
const PYTHON_PICKLES: Record<number, string> = {
  0:
    '286470300a566e6f6e650a70310a4e7356740a70320a4930310a7356660a70330a4930300a7356736d616c6c0a70340a49370a73566e65' +
    '670a70350a492d3330300a73566269670a70360a4c313138303539313632303731373431313330333432344c0a73566933320a70370a49' +
    '37303030300a7356666c6f61740a70380a46312e350a7356746578740a70390a5668e96c6c6f205c75323731330a7031300a7356627974' +
    '65730a7031310a635f636f646563730a656e636f64650a7031320a28565c7530303030ff61620a7031330a566c6174696e310a7031340a' +
    '747031350a527031360a73566c6973740a7031370a286c7031380a49310a61286c7031390a49320a6149330a616173567475706c650a70' +
    '32300a2849310a56610a7032310a747032320a7356656d7074790a7032330a287473567365740a7032340a635f5f6275696c74696e5f5f' +
    '0a7365740a7032350a28286c7032360a49310a6149320a61747032370a527032380a735666730a7032390a635f5f6275696c74696e5f5f' +
    '0a66726f7a656e7365740a7033300a28286c7033310a49330a61747033320a527033330a735662610a7033340a635f5f6275696c74696e' +
    '5f5f0a6279746561727261790a7033350a286731320a285678790a7033360a6731340a747033370a527033380a747033390a527034300a' +
    '73566f640a7034310a63636f6c6c656374696f6e730a4f726465726564446963740a7034320a2874527034330a566b0a7034340a49310a' +
    '7373567368617265640a7034350a28286c7034360a49310a6149320a616734360a747034370a732e',
  1:
    '7d71002858040000006e6f6e6571014e58010000007471024930310a58010000006671034930300a5805000000736d616c6c71044b0758' +
    '030000006e656771054ad4feffff580300000062696771064c313138303539313632303731373431313330333432344c0a580300000069' +
    '333271074a701101005805000000666c6f61747108473ff80000000000005804000000746578747109580a00000068c3a96c6c6f20e29c' +
    '93710a58050000006279746573710b635f636f646563730a656e636f64650a710c28580500000000c3bf6162710d58060000006c617469' +
    '6e31710e74710f52711058040000006c69737471115d7112284b015d7113284b024b03656558050000007475706c657114284b01580100' +
    '00006171157471165805000000656d70747971172958030000007365747118635f5f6275696c74696e5f5f0a7365740a7119285d711a28' +
    '4b014b026574711b52711c58020000006673711d635f5f6275696c74696e5f5f0a66726f7a656e7365740a711e285d711f4b0361747120' +
    '527121580200000062617122635f5f6275696c74696e5f5f0a6279746561727261790a712328680c28580200000078797124680e747125' +
    '52712674712752712858020000006f64712963636f6c6c656374696f6e730a4f726465726564446963740a712a2952712b58010000006b' +
    '712c4b01735806000000736861726564712d285d712e284b014b0265682e74712f752e',
  2:
    '80027d71002858040000006e6f6e6571014e5801000000747102885801000000667103895805000000736d616c6c71044b075803000000' +
    '6e656771054ad4feffff580300000062696771068a09000000000000000040580300000069333271074a701101005805000000666c6f61' +
    '747108473ff80000000000005804000000746578747109580a00000068c3a96c6c6f20e29c93710a58050000006279746573710b635f63' +
    '6f646563730a656e636f64650a710c580500000000c3bf6162710d58060000006c6174696e31710e86710f52711058040000006c697374' +
    '71115d7112284b015d7113284b024b03656558050000007475706c6571144b0158010000006171158671165805000000656d7074797117' +
    '2958030000007365747118635f5f6275696c74696e5f5f0a7365740a71195d711a284b014b026585711b52711c58020000006673711d63' +
    '5f5f6275696c74696e5f5f0a66726f7a656e7365740a711e5d711f4b0361857120527121580200000062617122635f5f6275696c74696e' +
    '5f5f0a6279746561727261790a7123680c580200000078797124680e86712552712685712752712858020000006f64712963636f6c6c65' +
    '6374696f6e730a4f726465726564446963740a712a2952712b58010000006b712c4b01735806000000736861726564712d5d712e284b01' +
    '4b0265682e86712f752e',
  3:
    '80037d71002858040000006e6f6e6571014e5801000000747102885801000000667103895805000000736d616c6c71044b075803000000' +
    '6e656771054ad4feffff580300000062696771068a09000000000000000040580300000069333271074a701101005805000000666c6f61' +
    '747108473ff80000000000005804000000746578747109580a00000068c3a96c6c6f20e29c93710a58050000006279746573710b430400' +
    'ff6162710c58040000006c697374710d5d710e284b015d710f284b024b03656558050000007475706c6571104b01580100000061711186' +
    '71125805000000656d70747971132958030000007365747114636275696c74696e730a7365740a71155d7116284b014b02658571175271' +
    '18580200000066737119636275696c74696e730a66726f7a656e7365740a711a5d711b4b036185711c52711d58020000006261711e6362' +
    '75696c74696e730a6279746561727261790a711f43027879712085712152712258020000006f64712363636f6c6c656374696f6e730a4f' +
    '726465726564446963740a71242952712558010000006b71264b0173580600000073686172656471275d7128284b014b02656828867129' +
    '752e',
  4:
    '8004952b010000000000007d94288c046e6f6e65944e8c017494888c016694898c05736d616c6c944b078c036e6567944ad4feffff8c03' +
    '626967948a090000000000000000408c03693332944a701101008c05666c6f617494473ff80000000000008c0474657874948c0a68c3a9' +
    '6c6c6f20e29c93948c05627974657394430400ff6162948c046c697374945d94284b015d94284b024b0365658c057475706c65944b018c' +
    '01619486948c05656d70747994298c03736574948f94284b014b02908c02667394284b0391948c026261948c086275696c74696e73948c' +
    '096279746561727261799493944302787994859452948c026f64948c0b636f6c6c656374696f6e73948c0b4f7264657265644469637494' +
    '93942952948c016b944b01738c06736861726564945d94284b014b026568268694752e',
  5:
    '80059515010000000000007d94288c046e6f6e65944e8c017494888c016694898c05736d616c6c944b078c036e6567944ad4feffff8c03' +
    '626967948a090000000000000000408c03693332944a701101008c05666c6f617494473ff80000000000008c0474657874948c0a68c3a9' +
    '6c6c6f20e29c93948c05627974657394430400ff6162948c046c697374945d94284b015d94284b024b0365658c057475706c65944b018c' +
    '01619486948c05656d70747994298c03736574948f94284b014b02908c02667394284b0391948c02626194960200000000000000787994' +
    '8c026f64948c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c016b944b01738c06736861726564945d' +
    '94284b014b026568218694752e',
};

describe('unpickle: what CPython writes, protocols 0–5', () => {
  for (const protocol of [0, 1, 2, 3, 4, 5]) {
    it(`decodes every builtin type of a protocol ${protocol} pickle`, () => {
      const value = unpickle(fromHex(PYTHON_PICKLES[protocol]!), { allowList });
      expect(value).toBeInstanceOf(Map);
      const dict = value as Map<string, PickleValue>;
      expect(dict.get('none')).toBeNull();
      expect(dict.get('t')).toBe(true);
      expect(dict.get('f')).toBe(false);
      expect(dict.get('small')).toBe(7);
      expect(dict.get('neg')).toBe(-300);
      expect(dict.get('big')).toBe(2n ** 70n);
      expect(dict.get('i32')).toBe(70000);
      expect(dict.get('float')).toBe(1.5);
      expect(dict.get('text')).toBe('héllo ✓');
      expect(dict.get('bytes')).toEqual(Uint8Array.of(0, 255, 97, 98));
      expect(dict.get('list')).toEqual([1, [2, 3]]);
      expect(isTuple(dict.get('tuple'))).toBe(true);
      expect(dict.get('tuple')).toEqual([1, 'a']);
      expect(dict.get('empty')).toEqual([]);
      expect(dict.get('set')).toEqual(new Set([1, 2]));
      expect(dict.get('fs')).toEqual(new Set([3]));
      expect(dict.get('ba')).toEqual(Uint8Array.of(120, 121));
      expect(dict.get('od')).toEqual(new Map([['k', 1]]));
      // The memo keeps shared references shared, as in Python.
      const [first, second] = dict.get('shared') as PickleValue[];
      expect(first).toEqual([1, 2]);
      expect(first).toBe(second);
    });
  }
});

describe('unpickle refuses globals that are not on the allow-list, and runs nothing', () => {
  it('refuses os.system in a protocol 2 pickle (GLOBAL posix system) before REDUCE, so the command never runs', async () => {
    const dir = await tempDir();
    const witness = join(dir, 'pwned');
    // What pickle.dumps writes for an object whose __reduce__ returns (os.system, ("touch …",)).
    const bytes = new PickleBytes().proto(2).global('posix', 'system').str(`touch ${witness}`).op(0x85).reduce().stop().toBytes();
    const error = refusal(bytes);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('"posix system"');
    expect(error.message).toContain('nothing was executed');
    expect(error.message).toMatch(/^evil\.pkl, byte 2 \(GLOBAL\)/);
    expect(error.details).toMatchObject({ global: 'posix system', offset: 2 });
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses STACK_GLOBAL os.system, builtins.eval and subprocess.Popen (protocol 4)', () => {
    for (const [module, name] of [['os', 'system'], ['builtins', 'eval'], ['subprocess', 'Popen'], ['nt', 'system']]) {
      const bytes = new PickleBytes().proto(4).stackGlobal(module!, name!).str('id').op(0x85).reduce().stop().toBytes();
      expect(refusal(bytes).message).toContain(`"${module} ${name}"`);
    }
  });

  it('refuses a hostile global hidden inside an otherwise valid estimator', async () => {
    // A real fixture with one attribute value replaced by a call to os.system.
    const bytes = new PickleBytes()
      .proto(4)
      .stackGlobal('sklearn.linear_model._logistic', 'LogisticRegression').op(')').op(0x81)
      .op('}').mark().str('penalty').stackGlobal('os', 'system').str('id').op(0x85).reduce().op('u').build().stop().toBytes();
    const error = refusal(bytes);
    expect(error.details).toMatchObject({ global: 'os system' });
  });

  it('refuses INST and OBJ (protocol 0/1 instantiation) of unlisted classes', () => {
    const inst = new PickleBytes().mark().str('x').op('i').raw(new TextEncoder().encode('os\nsystem\n')).stop().toBytes();
    expect(refusal(inst).message).toContain('"os system"');
    const obj = new PickleBytes().mark().global('subprocess', 'Popen').str('id').op('o').stop().toBytes();
    expect(refusal(obj).message).toContain('"subprocess Popen"');
  });

  it('refuses persistent IDs and the copyreg extension registry', () => {
    expect(refusal(new PickleBytes().str('ref').op('Q').stop().toBytes()).message).toContain('persistent ID');
    expect(refusal(new PickleBytes().proto(2).op(0x82).raw([1]).stop().toBytes()).message).toContain('extension code 1');
  });

  it('refuses an allowed name used in a way its entry does not allow', () => {
    // numpy.ndarray may be passed to _reconstruct, never called.
    const called = new PickleBytes().proto(4).stackGlobal('numpy', 'ndarray').op(')').reduce().stop().toBytes();
    expect(refusal(called).message).toContain('"numpy ndarray" called');
    // _codecs.encode may only turn latin1 text into bytes.
    const encode = new PickleBytes().proto(2).global('_codecs', 'encode').str('x').str('rot13').op(0x86).reduce().stop().toBytes();
    expect(refusal(encode).message).toContain('_codecs.encode is allowed only');
  });
});

describe('unpickle: scikit-learn fixtures', () => {
  it('decodes the arrays, strings and scalars of every scikit-learn fixture', async () => {
    for (const file of ['iris_pipeline_logreg.pkl', 'iris_pipeline_logreg_p5.pkl']) {
      const pipeline = unpickle(await readFile(join(fixtures, file)), { allowList: SKLEARN_ALLOW_LIST }) as PyObject;
      const steps = pipeline.get('steps') as [string, PyObject][];
      expect(steps.map(([name]) => name)).toEqual(['standardscaler', 'logisticregression']);
      const scaler = steps[0]![1];
      expect(scaler.get('n_samples_seen_')).toBe(150);
      expect(Array.from((scaler.get('mean_') as NdArray).data as Float64Array)).toEqual([5.843333333333335, 3.057333333333334, 3.7580000000000027, 1.199333333333334]);
      const model = steps[1]![1];
      expect((model.get('classes_') as NdArray).data).toEqual(['setosa', 'versicolor', 'virginica']);
      expect((model.get('coef_') as NdArray).shape).toEqual([3, 4]);
      expect(model.get('_sklearn_version')).toBe('1.2.1');
    }
  });
});

describe('unpickle: malformed input', () => {
  it('says where a truncated pickle ends', async () => {
    const whole = await readFile(join(fixtures, 'iris_logreg.pkl'));
    const error = refusal(whole.subarray(0, 400));
    expect(error.code).toBe('CORRUPT');
    expect(error.message).toMatch(/^evil\.pkl, byte \d+ \(\w+\): .*(truncated|without a STOP)/);
  });

  it('rejects unknown opcodes, memo reads before writes and newer protocols', () => {
    expect(refusal(Uint8Array.of(0xff)).message).toContain('unknown opcode 0xff');
    expect(refusal(new PickleBytes().op('h').raw([3]).stop().toBytes()).message).toContain('memo entry 3 is read before it is written');
    expect(refusal(new PickleBytes().proto(6).toBytes()).message).toContain('protocol 6');
  });
});
