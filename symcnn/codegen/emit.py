"""The printer: a loop tree (:mod:`.loops`) as Python source, as Numba compiles it.

One method per node class, ``_print_<Class>``, as SymPy's code printers
dispatch; adding a node is adding a method. An expression prints with the
precedence of its outermost operator and its operands are parenthesised where
they bind less tightly, so the text means the tree: no parenthesis is
guessed from characters. A loop of kind ``parallel`` prints as Numba's
``prange``; one of kind ``unrolled`` prints its body once per iteration,
the index replaced by each value (its bounds must be integers).

The module around the kernels (imports, contract, drivers) is the templates'.
"""

from __future__ import annotations

from . import loops as L

INDENT = "    "

#: Python's binding strengths, loosest first, for the operators the printer writes.
COND, OR, AND, CMP, BOR, BAND, ADD, MUL, NEG, POW, ATOM = range(11)
#: The strength of each :class:`~.loops.Logic` connective.
_LOGIC = {"or": OR, "and": AND, "|": BOR, "&": BAND}

#: Functions printed as one call of a ``math`` function or a builtin, by :class:`~.loops.Call` name.
_CALLS = {"exp": "math.exp", "log": "math.log", "tanh": "math.tanh", "sign": "np.sign",
          "abs": "abs", "max": "max", "min": "min", "unsigned": "np.uint64"}


def source(node: L.Node, depth: int = 0) -> str:
    """``node`` as source: an expression's text, or a statement's or a kernel's lines at ``depth``."""
    return _PRINTER.text(node, depth)


def is_negative(e: L.Expr) -> bool:
    """Whether ``e`` prints with a leading minus: a negative number, or a product whose coefficient is one."""
    if isinstance(e, L.Int | L.Real):
        return e.value < 0
    if isinstance(e, L.Rat):
        return e.p < 0
    return isinstance(e, L.Mul) and bool(e.factors) and _is_number(e.factors[0]) and is_negative(e.factors[0])


def negated(e: L.Expr) -> L.Expr:
    """``-e`` for an ``e`` that :func:`is_negative`: the number or the coefficient with its sign flipped."""
    if isinstance(e, L.Int | L.Real):
        return type(e)(-e.value)
    if isinstance(e, L.Rat):
        return L.Rat(-e.p, e.q)
    head, rest = negated(e.factors[0]), e.factors[1:]
    factors = rest if head == L.Int(1) else (head, *rest)
    return L.Int(1) if not factors else factors[0] if len(factors) == 1 else L.Mul(factors)


def _is_number(e: L.Expr) -> bool:
    return isinstance(e, L.Int | L.Rat | L.Real)


class Printer:
    """Python source for loop-tree nodes."""

    def text(self, node: L.Node, depth: int = 0) -> str:
        if isinstance(node, L.Kernel):
            return self.kernel(node, depth)
        if isinstance(node, (L.Loop, L.Assign, L.Accumulate, L.If, L.Local, L.Dispatch, L.Invoke)):
            return "\n".join(self.lines(node, depth))
        return self.expr(node)[0]

    # ---- expressions: (text, binding strength) --------------------------------------------------

    def expr(self, e: L.Expr) -> tuple[str, int]:
        return getattr(self, f"_print_{type(e).__name__}")(e)

    def operand(self, e: L.Expr, context: int) -> str:
        """``e`` as an operand of an operator of strength ``context``: in parentheses unless it binds
        more tightly."""
        text, strength = self.expr(e)
        return text if strength > context else f"({text})"

    def _print_Int(self, e: L.Int) -> tuple[str, int]:
        return str(e.value), ATOM if e.value >= 0 else NEG

    def _print_Real(self, e: L.Real) -> tuple[str, int]:
        return repr(e.value), ATOM if e.value >= 0 else NEG

    def _print_Rat(self, e: L.Rat) -> tuple[str, int]:
        return f"{e.p}/{e.q}", MUL

    def _print_Var(self, e: L.Var) -> tuple[str, int]:
        return e.name, ATOM

    def _print_Load(self, e: L.Load) -> tuple[str, int]:
        where = ", ".join(self.expr(i)[0] for i in e.index) if e.index else "()"
        return f"{e.array}[{where}]", ATOM

    def _print_Add(self, e: L.Add) -> tuple[str, int]:
        out = self.operand(e.terms[0], ADD)
        for t in e.terms[1:]:
            out += f" - {self.operand(negated(t), ADD)}" if is_negative(t) else f" + {self.operand(t, ADD)}"
        return out, ADD

    def _print_Mul(self, e: L.Mul) -> tuple[str, int]:
        factors, sign = list(e.factors), ""
        if is_negative(e):
            sign, head = "-", negated(factors[0])
            factors = factors[1:] if head == L.Int(1) else [head, *factors[1:]]
        num: list[L.Expr] = []
        den: list[L.Expr] = []
        for f in factors:
            if isinstance(f, L.Rat):
                num += [L.Int(f.p)] if f.p != 1 else []
                den.append(L.Int(f.q))
            elif isinstance(f, L.Pow) and _is_number(f.exp) and is_negative(f.exp):
                den.append(f.base if f.exp == L.Int(-1) else L.Pow(f.base, negated(f.exp)))
            else:
                num.append(f)
        out = "*".join(self.operand(f, MUL) for f in num) or "1"
        if len(den) == 1:
            out += f"/{self.operand(den[0], MUL)}"
        elif den:
            out += "/({})".format("*".join(self.operand(f, MUL) for f in den))
        # ``-a`` binds as a negation; ``-a*b`` is ``(-a)*b``, a product, which a quotient's right operand
        # must enclose
        return sign + out, NEG if sign and len(num) == 1 and not den else MUL

    def _print_Pow(self, e: L.Pow) -> tuple[str, int]:
        if _is_number(e.exp) and is_negative(e.exp):  # true division: an integer size to -2 is 0 in Numba
            return self._print_Mul(L.Mul((e,)))
        if e.exp == L.Rat(1, 2):  # a square root: LLVM's sqrt, not a pow
            return f"math.sqrt({self.expr(e.base)[0]})", ATOM
        return f"{self.operand(e.base, POW)}**{self.operand(e.exp, POW)}", POW

    def _print_FloorDiv(self, e: L.FloorDiv) -> tuple[str, int]:
        return f"{self.operand(e.num, MUL - 1)} // {self.operand(e.den, MUL)}", MUL

    def _print_Mod(self, e: L.Mod) -> tuple[str, int]:
        return f"{self.operand(e.num, MUL - 1)} % {self.operand(e.den, MUL)}", MUL

    def _print_Call(self, e: L.Call) -> tuple[str, int]:
        args = ", ".join(self.expr(a)[0] for a in e.args)
        if e.fn == "sigmoid":
            return f"1.0 / (1.0 + math.exp(-{self.operand(e.args[0], NEG)}))", MUL
        if e.fn == "relu":
            return f"max({args}, 0.0)", ATOM
        if e.fn == "step":
            return f"1.0 if {self.operand(e.args[0], CMP)} > 0 else 0.0", COND
        return f"{_CALLS[e.fn]}({args})", ATOM

    def _print_Cmp(self, e: L.Cmp) -> tuple[str, int]:
        return f"{self.operand(e.left, CMP)} {e.op} {self.operand(e.right, CMP)}", CMP

    def _print_Shape(self, e: L.Shape) -> tuple[str, int]:
        return f"{e.array}.shape[{e.axis}]", ATOM

    def _print_Logic(self, e: L.Logic) -> tuple[str, int]:
        strength = _LOGIC[e.op]
        # a connective inside another is parenthesised even where precedence would not need it: read
        # ``a | (b & c)``, not ``a | b & c``
        parts = (f"({self.expr(a)[0]})" if isinstance(a, L.Logic) else self.operand(a, strength)
                 for a in e.args)
        return f" {e.op} ".join(parts), strength

    def _print_Cast(self, e: L.Cast) -> tuple[str, int]:
        return f"{e.like}.dtype.type({self.expr(e.value)[0]})", ATOM

    def _print_Select(self, e: L.Select) -> tuple[str, int]:
        then, cond, other = (self.operand(x, COND) for x in (e.then, e.cond, e.other))
        return f"{then} if {cond} else {other}", COND

    def _print_DType(self, e: L.DType) -> tuple[str, int]:
        return f"{e.like}.dtype.type", ATOM

    def _print_Typed(self, e: L.Typed) -> tuple[str, int]:
        return f"{e.dtype}({self.expr(e.value)[0]})", ATOM

    def _print_Reshape(self, e: L.Reshape) -> tuple[str, int]:
        return f"{e.array}.reshape({', '.join(self.expr(x)[0] for x in e.shape)})", ATOM

    def _print_Slice(self, e: L.Slice) -> tuple[str, int]:
        return ":", ATOM

    def conds(self, conds: tuple[L.Expr, ...]) -> str:
        if len(conds) == 1:
            return self.expr(conds[0])[0]
        return " and ".join(self.operand(c, AND) for c in conds)

    # ---- statements: lines at a depth ---------------------------------------------------------

    def lines(self, s: L.Stmt, depth: int) -> list[str]:
        return getattr(self, f"_lines_{type(s).__name__}")(s, depth)

    def block(self, body: tuple[L.Stmt, ...], depth: int) -> list[str]:
        out = [ln for s in body for ln in self.lines(s, depth)]
        return out or [INDENT * depth + "pass"]

    def _lines_Loop(self, s: L.Loop, depth: int) -> list[str]:
        if s.kind == "unrolled":
            bounds = (s.start, s.stop, s.step)
            if not all(isinstance(b, L.Int) for b in bounds):
                raise ValueError(f"an unrolled loop over {s.index} needs integer bounds, not {bounds}")
            return [ln for v in range(*(b.value for b in bounds))
                    for ln in self.block(L.fold(L.substitute(s.body, {s.index: L.Int(v)})), depth)]
        if s.step != L.Int(1):
            span = f"{self.expr(s.start)[0]}, {self.expr(s.stop)[0]}, {self.expr(s.step)[0]}"
        elif s.start != L.Int(0):
            span = f"{self.expr(s.start)[0]}, {self.expr(s.stop)[0]}"
        else:
            span = self.expr(s.stop)[0]
        loop = "prange" if s.kind == "parallel" else "range"
        head = INDENT * depth + f"for {s.index} in {loop}({span}):" + _note(s.note)
        return [head, *self.block(s.body, depth + 1)]

    def _lines_Assign(self, s: L.Assign, depth: int) -> list[str]:
        return [INDENT * depth + f"{self.expr(s.target)[0]} = {self.expr(s.value)[0]}" + _note(s.note)]

    def _lines_Invoke(self, s: L.Invoke, depth: int) -> list[str]:
        return [INDENT * depth + f"{s.fn}({', '.join(self.expr(a)[0] for a in s.args)})"]

    def _lines_Accumulate(self, s: L.Accumulate, depth: int) -> list[str]:
        return [INDENT * depth + f"{self.expr(s.target)[0]} += {self.expr(s.value)[0]}"]

    def _lines_If(self, s: L.If, depth: int) -> list[str]:
        if not s.conds:
            return self.block(s.body, depth)
        return [INDENT * depth + f"if {self.conds(s.conds)}:", *self.block(s.body, depth + 1)]

    def _lines_Local(self, s: L.Local, depth: int) -> list[str]:
        if not s.shape:
            zero = f"{s.dtype}(0)" if s.dtype else f"{s.like}.dtype.type(0)" if s.like else "0.0"
            return [INDENT * depth + f"{s.name} = {zero}" + _note(s.note)]
        shape = ", ".join(self.expr(x)[0] for x in s.shape) + ("," if len(s.shape) == 1 else "")
        dtype = f", {s.dtype}" if s.dtype else f", dtype={s.like}.dtype" if s.like else ""
        fill = "zeros" if s.zeroed else "empty"
        return [INDENT * depth + f"{s.name} = np.{fill}(({shape}){dtype})" + _note(s.note)]

    def _lines_Dispatch(self, s: L.Dispatch, depth: int) -> list[str]:
        if not s.variants:
            return self.block(s.default, depth)
        out = []
        for k, v in enumerate(s.variants):
            head = f"{'elif' if k else 'if'} {self.conds(v.conds)}:" + _note(v.note)
            out += [INDENT * depth + head, *self.block(v.body, depth + 1)]
        return out + [INDENT * depth + "else:", *self.block(s.default, depth + 1)]

    # ---- kernels ----------------------------------------------------------------------------------

    def kernel(self, k: L.Kernel, depth: int = 0) -> str:
        pad = INDENT * (depth + 1)
        head = [INDENT * depth + f"def {k.name}({', '.join(k.params)}):"]
        if k.doc:
            body = "\n".join((pad + ln) if ln else "" for ln in k.doc)
            head.append(f'{pad}"""{body.lstrip()}\n{pad}"""')
        return "\n".join(head + self.block(k.body, depth + 1))


def _note(note: str) -> str:
    """A statement's comment, after its line."""
    return f"  # {note}" if note else ""


_PRINTER = Printer()
