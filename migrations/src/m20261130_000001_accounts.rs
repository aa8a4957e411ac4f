//! Accounts and the unit tree: categories, units, users, and app-wide settings.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Categories {
    Table,
    Code,
    Name,
    Position,
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
    Code,
    Name,
    ParentId,
    Kind,
    Block,
    Headcount,
    Position,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Role,
    FullName,
    Email,
    Phone,
    NationalId,
    BirthDate,
    Gender,
    CategoryCode,
    UnitId,
    PasswordHash,
    Voided,
    VoidReason,
    TokenVersion,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AppSettings {
    Table,
    Key,
    Value,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AppSettings::Table)
                    .col(string(AppSettings::Key).primary_key())
                    .col(text(AppSettings::Value))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Categories::Table)
                    .col(string(Categories::Code).primary_key())
                    .col(string(Categories::Name))
                    .col(integer(Categories::Position))
                    .to_owned(),
            )
            .await?;
        // The two categories every contest of this kind ranks separately.
        let seed = Query::insert()
            .into_table(Categories::Table)
            .columns([Categories::Code, Categories::Name, Categories::Position])
            .values_panic([
                "official".into(),
                "Cán bộ, công chức, viên chức".into(),
                1.into(),
            ])
            .values_panic(["citizen".into(), "Người dân, doanh nghiệp".into(), 2.into()])
            .to_owned();
        manager.exec_stmt(seed).await?;

        manager
            .create_table(
                Table::create()
                    .table(Units::Table)
                    .col(big_pk_auto(Units::Id))
                    .col(string_uniq(Units::Code))
                    .col(string(Units::Name))
                    .col(big_integer_null(Units::ParentId))
                    .col(string(Units::Kind))
                    .col(string_null(Units::Block))
                    .col(integer(Units::Headcount))
                    .col(integer(Units::Position))
                    .col(timestamp_with_time_zone(Units::CreatedAt))
                    .col(timestamp_with_time_zone(Units::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_units_parent")
                            .from(Units::Table, Units::ParentId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_units_parent")
                    .table(Units::Table)
                    .col(Units::ParentId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(big_pk_auto(Users::Id))
                    .col(string(Users::Role))
                    .col(string(Users::FullName))
                    .col(string_null(Users::Email).unique_key())
                    .col(string_null(Users::Phone).unique_key())
                    .col(string_null(Users::NationalId).unique_key())
                    .col(date_null(Users::BirthDate))
                    .col(string_null(Users::Gender))
                    .col(string_null(Users::CategoryCode))
                    .col(big_integer_null(Users::UnitId))
                    .col(string(Users::PasswordHash))
                    .col(boolean(Users::Voided).default(false))
                    .col(string_null(Users::VoidReason))
                    .col(integer(Users::TokenVersion).default(0))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_category")
                            .from(Users::Table, Users::CategoryCode)
                            .to(Categories::Table, Categories::Code)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_unit")
                            .from(Users::Table, Users::UnitId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_users_unit")
                    .table(Users::Table)
                    .col(Users::UnitId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_users_role")
                    .table(Users::Table)
                    .col(Users::Role)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Units::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Categories::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AppSettings::Table).to_owned())
            .await
    }
}
