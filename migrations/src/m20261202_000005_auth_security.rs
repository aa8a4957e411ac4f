//! Account security (issue #13): rate-limit buckets shared by every app instance, revoked
//! login sessions, and the ID numbers and emails given at registration that another
//! account already held.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RateLimits {
    Table,
    Key,
    FullAt,
}

#[derive(DeriveIden)]
enum RevokedSessions {
    Table,
    Id,
    UserId,
    RevokedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum IdentityConflicts {
    Table,
    Id,
    UserId,
    Field,
    Value,
    HolderId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One row per bucket: the time (ms since the epoch) at which it is full again.
        manager
            .create_table(
                Table::create()
                    .table(RateLimits::Table)
                    .col(string(RateLimits::Key).primary_key())
                    .col(big_integer(RateLimits::FullAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RevokedSessions::Table)
                    .col(string(RevokedSessions::Id).primary_key())
                    .col(big_integer(RevokedSessions::UserId))
                    .col(timestamp_with_time_zone(RevokedSessions::RevokedAt))
                    .col(timestamp_with_time_zone(RevokedSessions::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_revoked_sessions_revoked_at")
                    .table(RevokedSessions::Table)
                    .col(RevokedSessions::RevokedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_revoked_sessions_expires_at")
                    .table(RevokedSessions::Table)
                    .col(RevokedSessions::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IdentityConflicts::Table)
                    .col(big_pk_auto(IdentityConflicts::Id))
                    .col(big_integer(IdentityConflicts::UserId))
                    .col(string(IdentityConflicts::Field))
                    .col(string(IdentityConflicts::Value))
                    .col(big_integer_null(IdentityConflicts::HolderId))
                    .col(timestamp_with_time_zone(IdentityConflicts::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_identity_conflicts_user")
                            .from(IdentityConflicts::Table, IdentityConflicts::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_identity_conflicts_holder")
                            .from(IdentityConflicts::Table, IdentityConflicts::HolderId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_identity_conflicts_user")
                    .table(IdentityConflicts::Table)
                    .col(IdentityConflicts::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_identity_conflicts_holder")
                    .table(IdentityConflicts::Table)
                    .col(IdentityConflicts::HolderId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdentityConflicts::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RevokedSessions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RateLimits::Table).to_owned())
            .await
    }
}
