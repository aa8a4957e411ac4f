//! Announcements (thông báo, issue #15): per contest or site-wide (`contest_id` null), with
//! a publish time and an optional expiry. Withdrawing keeps the row (`withdrawn_at`), so
//! the audit trail and the organiser's list still say what was shown and when.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Announcements {
    Table,
    Id,
    ContestId,
    Title,
    Body,
    PublishAt,
    ExpiresAt,
    WithdrawnAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Contests {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Announcements::Table)
                    .col(big_pk_auto(Announcements::Id))
                    .col(big_integer_null(Announcements::ContestId))
                    .col(string(Announcements::Title))
                    .col(text(Announcements::Body))
                    .col(timestamp_with_time_zone(Announcements::PublishAt))
                    .col(timestamp_with_time_zone_null(Announcements::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Announcements::WithdrawnAt))
                    .col(big_integer_null(Announcements::CreatedBy))
                    .col(timestamp_with_time_zone(Announcements::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_announcements_contest")
                            .from(Announcements::Table, Announcements::ContestId)
                            .to(Contests::Table, Contests::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The public lists read one contest's (or the site's) announcements not withdrawn.
        manager
            .create_index(
                Index::create()
                    .name("idx_announcements_contest_publish")
                    .table(Announcements::Table)
                    .col(Announcements::ContestId)
                    .col(Announcements::PublishAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Announcements::Table).to_owned())
            .await
    }
}
