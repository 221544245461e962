import { create } from '@bufbuild/protobuf';
import { MlopsError } from '../errors.js';
import {
  Expression_SortOrder_NullOrdering,
  Expression_SortOrder_SortDirection,
  ExpressionSchema,
  type Expression,
  type Expression_Literal,
} from './gen/spark/connect/expressions_pb.js';

/** A JavaScript value that becomes a Spark literal. */
export type LiteralValue = null | boolean | number | bigint | string | Date | Uint8Array;

/**
 * An expression over a DataFrame's columns, immutable, as PySpark's Column: build it with `col`,
 * `lit`, `expr` and the functions, combine with the methods, pass it to select/filter/agg.
 */
export class Column {
  /** The Spark Connect expression this column sends. */
  readonly expression: Expression;

  constructor(expression: Expression) {
    this.expression = expression;
  }

  alias(...names: string[]): Column {
    return new Column(create(ExpressionSchema, { exprType: { case: 'alias', value: { expr: this.expression, name: names } } }));
  }
  /** Same as alias. */
  as(...names: string[]): Column {
    return this.alias(...names);
  }
  /** Casts to a type given as Spark SQL text: 'double', 'string', 'decimal(10,2)'. */
  cast(type: string): Column {
    return new Column(create(ExpressionSchema, { exprType: { case: 'cast', value: { expr: this.expression, castToType: { case: 'typeStr', value: type } } } }));
  }
  /** Same as cast. */
  astype(type: string): Column {
    return this.cast(type);
  }

  plus(other: ColumnOrValue): Column { return binary('+', this, other); }
  minus(other: ColumnOrValue): Column { return binary('-', this, other); }
  multiply(other: ColumnOrValue): Column { return binary('*', this, other); }
  divide(other: ColumnOrValue): Column { return binary('/', this, other); }
  mod(other: ColumnOrValue): Column { return binary('%', this, other); }
  eq(other: ColumnOrValue): Column { return binary('==', this, other); }
  ne(other: ColumnOrValue): Column { return binary('!=', this, other); }
  /** Null-safe equality (<=>). */
  eqNullSafe(other: ColumnOrValue): Column { return binary('<=>', this, other); }
  gt(other: ColumnOrValue): Column { return binary('>', this, other); }
  ge(other: ColumnOrValue): Column { return binary('>=', this, other); }
  lt(other: ColumnOrValue): Column { return binary('<', this, other); }
  le(other: ColumnOrValue): Column { return binary('<=', this, other); }
  and(other: ColumnOrValue): Column { return binary('and', this, other); }
  or(other: ColumnOrValue): Column { return binary('or', this, other); }
  not(): Column { return call('not', [this]); }
  isNull(): Column { return call('isnull', [this]); }
  isNotNull(): Column { return call('isnotnull', [this]); }
  isin(...values: ColumnOrValue[]): Column { return call('in', [this, ...values.map(toColumn)]); }
  like(pattern: string): Column { return call('like', [this, lit(pattern)]); }
  between(low: ColumnOrValue, high: ColumnOrValue): Column { return this.ge(low).and(this.le(high)); }

  asc(): Column { return this.#sort(Expression_SortOrder_SortDirection.ASCENDING, Expression_SortOrder_NullOrdering.SORT_NULLS_FIRST); }
  desc(): Column { return this.#sort(Expression_SortOrder_SortDirection.DESCENDING, Expression_SortOrder_NullOrdering.SORT_NULLS_LAST); }
  ascNullsLast(): Column { return this.#sort(Expression_SortOrder_SortDirection.ASCENDING, Expression_SortOrder_NullOrdering.SORT_NULLS_LAST); }
  descNullsFirst(): Column { return this.#sort(Expression_SortOrder_SortDirection.DESCENDING, Expression_SortOrder_NullOrdering.SORT_NULLS_FIRST); }

  #sort(direction: Expression_SortOrder_SortDirection, nullOrdering: Expression_SortOrder_NullOrdering): Column {
    return new Column(create(ExpressionSchema, { exprType: { case: 'sortOrder', value: { child: this.expression, direction, nullOrdering } } }));
  }
}

export type ColumnOrName = Column | string;
export type ColumnOrValue = Column | LiteralValue;

/** A column by name ('a', 'table.a', '`odd name`'); '*' is every column. */
export function col(name: string): Column {
  if (name === '*') return new Column(create(ExpressionSchema, { exprType: { case: 'unresolvedStar', value: {} } }));
  if (name.endsWith('.*')) {
    return new Column(create(ExpressionSchema, { exprType: { case: 'unresolvedStar', value: { unparsedTarget: name } } }));
  }
  return new Column(create(ExpressionSchema, { exprType: { case: 'unresolvedAttribute', value: { unparsedIdentifier: name } } }));
}

/** Same as col. */
export const column = col;

/** A literal: numbers that are whole and fit 32 bits are int, other whole numbers bigint, the rest double. */
export function lit(value: LiteralValue | Column): Column {
  if (value instanceof Column) return value;
  return new Column(create(ExpressionSchema, { exprType: { case: 'literal', value: literal(value) } }));
}

/** A SQL expression parsed by the server: expr('a + 1 AS b'). */
export function expr(sql: string): Column {
  return new Column(create(ExpressionSchema, { exprType: { case: 'expressionString', value: { expression: sql } } }));
}

export function toColumn(value: ColumnOrValue): Column {
  return value instanceof Column ? value : lit(value);
}

export function toColumnByName(value: ColumnOrName): Column {
  return typeof value === 'string' ? col(value) : value;
}

/** A call of a Spark function by name: callFunction('sqrt', col('x')). */
export function call(name: string, args: ColumnOrValue[], options: { distinct?: boolean } = {}): Column {
  return new Column(
    create(ExpressionSchema, {
      exprType: {
        case: 'unresolvedFunction',
        value: { functionName: name, arguments: args.map((arg) => toColumn(arg).expression), isDistinct: options.distinct ?? false },
      },
    }),
  );
}

function binary(op: string, left: Column, right: ColumnOrValue): Column {
  return call(op, [left, toColumn(right)]);
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

export function literal(value: LiteralValue): Expression_Literal {
  const make = (literalType: Expression_Literal['literalType']): Expression_Literal =>
    ({ $typeName: 'spark.connect.Expression.Literal', literalType }) as Expression_Literal;
  if (value === null) return make({ case: 'null', value: { $typeName: 'spark.connect.DataType', kind: { case: 'null', value: { $typeName: 'spark.connect.DataType.NULL', typeVariationReference: 0 } } } });
  switch (typeof value) {
    case 'boolean':
      return make({ case: 'boolean', value });
    case 'string':
      return make({ case: 'string', value });
    case 'bigint':
      return make({ case: 'long', value });
    case 'number':
      if (Number.isInteger(value)) {
        if (value >= INT32_MIN && value <= INT32_MAX) return make({ case: 'integer', value });
        if (Number.isSafeInteger(value)) return make({ case: 'long', value: BigInt(value) });
      }
      return make({ case: 'double', value });
    default:
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw new MlopsError('INVALID_ARGUMENT', 'lit(): the Date is invalid', {});
        return make({ case: 'timestamp', value: BigInt(value.getTime()) * 1000n });
      }
      if (value instanceof Uint8Array) return make({ case: 'binary', value });
      throw new MlopsError('INVALID_ARGUMENT', `lit(): expected null, a boolean, number, bigint, string, Date or Uint8Array, found ${Object.prototype.toString.call(value)}`, {});
  }
}
