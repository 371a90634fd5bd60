"""`formgen users`: accounts (add, list, disable, enable, reset-password, assign), all of it in the audit log."""
from __future__ import annotations

import sys

import click

from formgen.cli.common import Ctx, ExampleLast, ExampleLastGroup

__all__ = ["users", "new_password"]

ROLES = ("administrator", "konsulent", "leder")


def new_password(from_stdin: bool) -> str:
    """The new account's password: the first line of stdin, or typed twice without echo. Never printed."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise click.UsageError("--password-stdin: no password on the first line of stdin")
        return line
    return click.prompt("Password for the new account", hide_input=True, confirmation_prompt=True)


@click.group(cls=ExampleLastGroup)
def users() -> None:
    """Accounts for the web page and the command line: one per person, with a role.

    Roles: administrator (everything), konsulent (their own citizens: the roster's konsulent
    column names them, or an administrator assigns them), leder (the management overview and
    pseudonymised scores). The first account is made by whoever runs formgen on the workspace;
    after that only an administrator (`formgen --user NAME users …`) may.

    \b
    Example:
      formgen users add admin --role administrator
      formgen --user admin users add kanr --role konsulent --full-name "Karl Nørgaard"
    """


@users.command(cls=ExampleLast)
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the person may do and see.")
@click.option("--full-name", default="", help="The name the roster's konsulent column uses for this person.")
@click.option("--password-stdin", is_flag=True,
              help="Read the new password from the first line of stdin (else asked twice, not shown).")
@click.pass_obj
def add(obj: Ctx, name: str, role: str, full_name: str, password_stdin: bool) -> None:
    """Create an account (the password is stored as an argon2id hash, never as typed).

    \b
    Example:
      printf '%s\\n' "$PASSWORD" | formgen --user admin users add kanr --role konsulent --password-stdin
      formgen users add admin --role administrator
    """
    from formgen.api import add_user

    ws = obj.workspace()
    user = add_user(ws, name, role, new_password(password_stdin), full_name)
    click.echo(f"Account {user.name} ({user.role}) created.")


@users.command(name="list", cls=ExampleLast)
@click.pass_obj
def list_(obj: Ctx) -> None:
    """The accounts: name, role, full name, state (active, disabled, locked until …), citizens assigned.

    \b
    Example:
      formgen --user admin users list
    """
    from formgen.api import list_users

    rows = list_users(obj.workspace())
    for u in rows:
        state = "disabled" if u.disabled else (f"locked until {u.locked_until}" if u.locked_until else "active")
        click.echo(f"{u.name:<16} {u.role:<14} {u.full_name or '-':<24} {state:<10} assigned: {u.assigned}")
    click.echo(f"{len(rows)} account(s)")


@users.command(cls=ExampleLast)
@click.argument("name")
@click.option("--enable", is_flag=True, help="Undo: the account may sign in again.")
@click.pass_obj
def disable(obj: Ctx, name: str, enable: bool) -> None:
    """Stop an account signing in (its open sessions end at their next request); it stays in the audit log.

    \b
    Example:
      formgen --user admin users disable kanr
    """
    from formgen.api import disable_user

    disable_user(obj.workspace(), name, not enable)
    click.echo(f"Account {name} {'enabled' if enable else 'disabled'}.")


@users.command(name="reset-password", cls=ExampleLast)
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from the first line of stdin.")
@click.pass_obj
def reset_password(obj: Ctx, name: str, password_stdin: bool) -> None:
    """Give an account a new password (and lift a lock after wrong passwords).

    \b
    Example:
      formgen --user admin users reset-password kanr
    """
    from formgen.api import reset_password as reset

    ws = obj.workspace()
    reset(ws, name, new_password(password_stdin))
    click.echo(f"Password of {name} replaced.")


@users.command(cls=ExampleLast)
@click.argument("name")
@click.argument("ref")
@click.option("--remove", is_flag=True, help="Take the citizen back.")
@click.pass_obj
def assign(obj: Ctx, name: str, ref: str, remove: bool) -> None:
    """Let a konsulent see one more citizen (besides those the roster names them for).

    \b
    Example:
      formgen --user admin users assign lida S-0042
    """
    from formgen.api import assign_citizen

    changed = assign_citizen(obj.workspace(), name, ref, remove)
    verb = "no longer sees" if remove else "now sees"
    click.echo(f"{name} {verb} {ref}." if changed else f"Nothing to change: {name} {'did not see' if remove else 'already sees'} {ref} by assignment.")
